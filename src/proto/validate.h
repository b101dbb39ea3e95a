/* validate.h — checks a decoded input against its shape's constraints
 * (required, length/size/value bounds, enums for JSON services) and reports
 * them the way each protocol family does. */
#ifndef NUAGE_PROTO_VALIDATE_H
#define NUAGE_PROTO_VALIDATE_H

#include "proto/call.h"

/* 0 when c->input satisfies c->op->input; else -1 with c->err set. */
int validate_input(struct call *c);

#endif
