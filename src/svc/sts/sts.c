/* sts.c — AWS Security Token Service (query protocol).
 *
 * Implements: GetCallerIdentity (the identity of the signing key: its
 * account and root ARN).
 * Leaves out (routed, answered NotImplemented): AssumeRole and the other
 * credential-vending operations, until nuage keeps session credentials.
 */
#include "svc/svc.h"
#include "proto/models/models.h"

static int get_caller_identity(struct call *c)
{
	call_set(c, "UserId", json_string(c->who.user_id));
	call_set(c, "Account", json_string(c->who.account));
	call_set(c, "Arn", json_string(c->who.arn));
	return 0;
}

static const struct svc_op ops[] = {
	{"GetCallerIdentity", get_caller_identity, NULL},
};

const struct svc svc_sts = {
	.name = "sts",
	.model = &model_sts,
	.ops = ops,
	.nops = sizeof ops / sizeof *ops,
};
