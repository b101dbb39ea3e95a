/* conn.h — one client connection, as the request pipeline uses it. */
#ifndef NUAGE_HTTP_CONN_H
#define NUAGE_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct http_response;
struct conn;

/* Reads up to n body bytes: first what is buffered after the head, then the
 * socket (bounded by the idle timeout). Returns bytes, 0 at EOF, -1 on error
 * or timeout. Sends "100 Continue" first if the client asked for it. */
ssize_t conn_read_body(struct conn *c, void *buf, size_t n);
/* Sends the response; returns 0 or -1 (the connection is then closed). */
int conn_send(struct conn *c, struct http_response *r);
/* True when the client sent Expect: 100-continue and is still waiting for it
 * (so it has not sent the body). */
bool conn_body_withheld(const struct conn *c);
/* Reads and drops up to n raw body bytes; returns bytes dropped or -1. */
int64_t conn_discard(struct conn *c, int64_t n);
/* The connection will close after this request (unread body, fatal error). */
void conn_close_after(struct conn *c);
/* Bytes read/written for the current request (access log). */
int64_t conn_bytes_in(const struct conn *c);
int64_t conn_bytes_out(const struct conn *c);
const char *conn_peer(const struct conn *c);
bool conn_stopping(void);

#endif
