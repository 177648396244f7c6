/*
 * announce.h - the handshake between launcher and shim: the launcher names
 * the write end of a pipe in BINDIF_HANDSHAKE as "FD:INODE", the shim's
 * constructor writes one byte into it, closes it and removes the variable.
 */
#ifndef BINDIF_ANNOUNCE_H
#define BINDIF_ANNOUNCE_H

#define ANNOUNCE_VAR "BINDIF_HANDSHAKE"

/* "FD:INODE" -> fd, ino: 0, or -1 when the text is not of that form. */
int announce_parse(const char *v, int *fd, unsigned long long *ino);

#endif
