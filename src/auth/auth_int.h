#ifndef FD_AUTH_AUTH_INT_H
#define FD_AUTH_AUTH_INT_H
/* Shared between the files of src/auth. */
#include "auth.h"

/* BLAKE2b-256 of a token, as hex: what the database stores instead of the token. */
void auth__token_hash(const char *token, char out[65]);
/* 32 random bytes as hex. */
void auth__random_hex(char out[AUTH_TOKEN_HEX + 1]);

#endif
