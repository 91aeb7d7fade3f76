#ifndef B24PG_CLIBPQ_SHIM_H
#define B24PG_CLIBPQ_SHIM_H

#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif

// Swift does not import character-literal macros such as PG_DIAG_SQLSTATE ('C'),
// so the error-field codes used by LibPQ are re-exported here as constants.
static const int b24pg_diag_severity = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int b24pg_diag_sqlstate = PG_DIAG_SQLSTATE;
static const int b24pg_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY;
static const int b24pg_diag_message_detail = PG_DIAG_MESSAGE_DETAIL;
static const int b24pg_diag_message_hint = PG_DIAG_MESSAGE_HINT;
static const int b24pg_diag_context = PG_DIAG_CONTEXT;
static const int b24pg_diag_table_name = PG_DIAG_TABLE_NAME;
static const int b24pg_diag_column_name = PG_DIAG_COLUMN_NAME;
static const int b24pg_diag_constraint_name = PG_DIAG_CONSTRAINT_NAME;

#endif
