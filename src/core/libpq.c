/* libpq.c — the libpq functions nuage calls, forwarded to libpq.so.5
 * opened at first use (core/dynlib.h): the PostgreSQL and Redshift
 * warehouse backends (src/warehouse/postgres.c). Callers include
 * <libpq-fe.h> and call libpq as usual.
 *
 * When the library cannot be opened, PQconnectdbParams answers NULL,
 * PQstatus(NULL) CONNECTION_BAD and PQerrorMessage(NULL) says why; every
 * other call needs a connection or result, so it only happens once the
 * library is loaded. */
#include <libpq-fe.h>

#include "core/dynlib.h"

static struct {
	PGconn *(*connectdbParams)(const char *const *, const char *const *, int);
	ConnStatusType (*status)(const PGconn *);
	char *(*errorMessage)(const PGconn *);
	void (*finish)(PGconn *);
	int (*setClientEncoding)(PGconn *, const char *);
	PGresult *(*exec)(PGconn *, const char *);
	PGresult *(*execParams)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *,
			       int);
	int (*sendQueryParams)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *,
			       int);
	int (*setSingleRowMode)(PGconn *);
	PGresult *(*getResult)(PGconn *);
	ExecStatusType (*resultStatus)(const PGresult *);
	char *(*resultErrorField)(const PGresult *, int);
	void (*clear)(PGresult *);
	int (*ntuples)(const PGresult *);
	int (*nfields)(const PGresult *);
	char *(*fname)(const PGresult *, int);
	Oid (*ftype)(const PGresult *, int);
	int (*fmod)(const PGresult *, int);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	int (*getlength)(const PGresult *, int, int);
	char *(*cmdTuples)(PGresult *);
	int (*putCopyData)(PGconn *, const char *, int);
	int (*putCopyEnd)(PGconn *, const char *);
	int (*getCopyData)(PGconn *, char **, int);
	PGcancel *(*getCancel)(PGconn *);
	int (*cancel)(PGcancel *, char *, int);
	void (*freeCancel)(PGcancel *);
	void (*freemem)(void *);
} fn;

static const char *const names[] = {
	"PQconnectdbParams", "PQstatus", "PQerrorMessage", "PQfinish", "PQsetClientEncoding", "PQexec",
	"PQexecParams", "PQsendQueryParams", "PQsetSingleRowMode", "PQgetResult", "PQresultStatus",
	"PQresultErrorField", "PQclear", "PQntuples", "PQnfields", "PQfname", "PQftype", "PQfmod", "PQgetvalue",
	"PQgetisnull", "PQgetlength", "PQcmdTuples", "PQputCopyData", "PQputCopyEnd", "PQgetCopyData",
	"PQgetCancel", "PQcancel", "PQfreeCancel", "PQfreemem", NULL,
};

static struct dynlib lib = {
	.soname = "libpq.so.5",
	.package = "libpq5",
	.symbols = names,
	.slots = (void **)&fn,
};

PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname)
{
	return dynlib_open(&lib) ? fn.connectdbParams(keywords, values, expand_dbname) : NULL;
}

ConnStatusType PQstatus(const PGconn *conn)
{
	return conn ? fn.status(conn) : CONNECTION_BAD;
}

char *PQerrorMessage(const PGconn *conn)
{
	if (!dynlib_loaded(&lib))
		return lib.error[0] ? lib.error : (char *)"libpq is not loaded";
	return fn.errorMessage(conn);
}

void PQfinish(PGconn *conn)
{
	if (conn)
		fn.finish(conn);
}

int PQsetClientEncoding(PGconn *conn, const char *encoding)
{
	return fn.setClientEncoding(conn, encoding);
}

PGresult *PQexec(PGconn *conn, const char *query)
{
	return fn.exec(conn, query);
}

PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
		       const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat)
{
	return fn.execParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats,
			     resultFormat);
}

int PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
		      const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat)
{
	return fn.sendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats,
				  resultFormat);
}

int PQsetSingleRowMode(PGconn *conn)
{
	return fn.setSingleRowMode(conn);
}

PGresult *PQgetResult(PGconn *conn)
{
	return fn.getResult(conn);
}

ExecStatusType PQresultStatus(const PGresult *res)
{
	return fn.resultStatus(res);
}

char *PQresultErrorField(const PGresult *res, int fieldcode)
{
	return fn.resultErrorField(res, fieldcode);
}

void PQclear(PGresult *res)
{
	if (res)
		fn.clear(res);
}

int PQntuples(const PGresult *res)
{
	return fn.ntuples(res);
}

int PQnfields(const PGresult *res)
{
	return fn.nfields(res);
}

char *PQfname(const PGresult *res, int field_num)
{
	return fn.fname(res, field_num);
}

Oid PQftype(const PGresult *res, int field_num)
{
	return fn.ftype(res, field_num);
}

int PQfmod(const PGresult *res, int field_num)
{
	return fn.fmod(res, field_num);
}

char *PQgetvalue(const PGresult *res, int tup_num, int field_num)
{
	return fn.getvalue(res, tup_num, field_num);
}

int PQgetisnull(const PGresult *res, int tup_num, int field_num)
{
	return fn.getisnull(res, tup_num, field_num);
}

int PQgetlength(const PGresult *res, int tup_num, int field_num)
{
	return fn.getlength(res, tup_num, field_num);
}

char *PQcmdTuples(PGresult *res)
{
	return fn.cmdTuples(res);
}

int PQputCopyData(PGconn *conn, const char *buffer, int nbytes)
{
	return fn.putCopyData(conn, buffer, nbytes);
}

int PQputCopyEnd(PGconn *conn, const char *errormsg)
{
	return fn.putCopyEnd(conn, errormsg);
}

int PQgetCopyData(PGconn *conn, char **buffer, int async)
{
	return fn.getCopyData(conn, buffer, async);
}

PGcancel *PQgetCancel(PGconn *conn)
{
	return fn.getCancel(conn);
}

int PQcancel(PGcancel *cancel, char *errbuf, int errbufsize)
{
	return fn.cancel(cancel, errbuf, errbufsize);
}

void PQfreeCancel(PGcancel *cancel)
{
	if (cancel)
		fn.freeCancel(cancel);
}

void PQfreemem(void *ptr)
{
	if (ptr)
		fn.freemem(ptr);
}
