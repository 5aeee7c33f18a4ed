-- 005: files sent in live chats (screenshots). attachments.ticket_id is NOT NULL (001),
-- so a chat's files have their own table; the bytes live in the same content-addressed
-- store as ticket attachments (DATA_DIR/attachments, by sha256). chat_messages.attachment_id
-- (004) references attachments(id) and SQLite cannot change a foreign key: chat messages
-- name their file in the new column chat_file_id, and attachment_id stays unused.

CREATE TABLE chat_files (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    uploader_id INTEGER NOT NULL REFERENCES users(id),
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX chat_files_chat ON chat_files(chat_id, id);

ALTER TABLE chat_messages ADD COLUMN chat_file_id INTEGER REFERENCES chat_files(id);
