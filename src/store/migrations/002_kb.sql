-- 002: help center (knowledge base): categories, sections, articles with revisions,
-- votes and deflection records. The full-text index is created by the search module
-- (kb/search_fts5.c), because it is backend-specific.

ALTER TABLE users ADD COLUMN kb_editor INTEGER NOT NULL DEFAULT 0;

CREATE TABLE kb_categories (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE kb_sections (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES kb_categories(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (category_id, slug)
);

CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    section_id INTEGER NOT NULL REFERENCES kb_sections(id),
    kind TEXT NOT NULL CHECK (kind IN ('article', 'faq')),
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    intent TEXT,
    translation_of INTEGER REFERENCES kb_articles(id),
    author_id INTEGER REFERENCES users(id),
    revision INTEGER NOT NULL DEFAULT 1,
    views BIGINT NOT NULL DEFAULT 0,
    helpful_yes BIGINT NOT NULL DEFAULT 0,
    helpful_no BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (locale, slug)
);
CREATE INDEX kb_articles_section ON kb_articles(section_id, status);
CREATE INDEX kb_articles_translation ON kb_articles(translation_of);

CREATE TABLE kb_revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id),
    revision INTEGER NOT NULL,
    section_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (article_id, revision)
);

CREATE TABLE kb_votes (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id),
    helpful INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_votes_article ON kb_votes(article_id);

-- One row per deflection prompt shown while a customer drafts a ticket or chat.
CREATE TABLE kb_deflections (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    user_id INTEGER REFERENCES users(id),
    channel TEXT NOT NULL,
    query TEXT NOT NULL,
    shown TEXT NOT NULL,
    opened_article_id INTEGER REFERENCES kb_articles(id),
    ticket_id INTEGER REFERENCES tickets(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
