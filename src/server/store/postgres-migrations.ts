// Schema of the collector's PostgreSQL database, applied in order at start under an
// advisory lock so that several collectors starting together migrate once. SQLite has
// the same tables in sqlite-migrations.ts.

export const POSTGRES_MIGRATIONS: { version: number; sql: string }[] = [
	{
		version: 1,
		sql: `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  owner_sub TEXT NOT NULL,
  owner_email TEXT,
  server TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  metadata TEXT NOT NULL,
  next_seq INTEGER NOT NULL DEFAULT 0,
  head_hash TEXT,
  seal_head_hash TEXT,
  seal_event_count INTEGER,
  seal_device_id TEXT,
  seal_signature TEXT,
  seal_valid BOOLEAN,
  integrity TEXT NOT NULL DEFAULT 'unsigned',
  received_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX sessions_recent ON sessions (started_at, id);
CREATE INDEX sessions_owner ON sessions (owner_sub, started_at, id);
CREATE INDEX sessions_email ON sessions (owner_email, started_at, id);
CREATE INDEX sessions_server ON sessions (server, started_at, id);
CREATE TABLE session_summaries (
  session_id TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  blocked INTEGER NOT NULL DEFAULT 0,
  masked INTEGER NOT NULL DEFAULT 0,
  approved INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  tools TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX summaries_blocked ON session_summaries (started_at, session_id) WHERE blocked > 0;
CREATE INDEX summaries_masked ON session_summaries (started_at, session_id) WHERE masked > 0;
CREATE INDEX summaries_approved ON session_summaries (started_at, session_id) WHERE approved > 0;
CREATE INDEX summaries_errors ON session_summaries (started_at, session_id) WHERE errors > 0;
CREATE TABLE session_tools (
  tool TEXT NOT NULL,
  session_id TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  PRIMARY KEY (tool, session_id)
);
CREATE INDEX session_tools_recent ON session_tools (tool, started_at, session_id);
CREATE INDEX session_tools_session ON session_tools (session_id);
CREATE TABLE events (
  session_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  origin TEXT NOT NULL,
  target TEXT,
  kind TEXT NOT NULL,
  method TEXT,
  rpc_id TEXT,
  tool TEXT,
  payload BYTEA NOT NULL,
  encoding TEXT NOT NULL,
  size BIGINT NOT NULL,
  latency_us BIGINT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  owner_sub TEXT NOT NULL,
  public_key TEXT NOT NULL,
  name TEXT,
  registered_at BIGINT NOT NULL
);
`,
	},
	{
		// Approvals published by run processes for the viewer; the viewer's cookie key.
		version: 2,
		sql: `
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  owner_sub TEXT NOT NULL,
  owner_email TEXT,
  session_id TEXT NOT NULL,
  server TEXT NOT NULL,
  method TEXT NOT NULL,
  tool TEXT,
  rule TEXT,
  summary TEXT NOT NULL,
  digest TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  requested_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  decided_at BIGINT,
  decided_by TEXT
);
CREATE INDEX approvals_pending ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_owner ON approvals (owner_sub, requested_at);
CREATE TABLE collector_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
	},
	{
		// Device ids are per user: one user can no longer register another's id first.
		version: 3,
		sql: `
ALTER TABLE devices DROP CONSTRAINT devices_pkey;
ALTER TABLE devices ADD PRIMARY KEY (owner_sub, id);
`,
	},
	{
		// Approvers see the whole call (issue 12): the complete masked arguments (as text, so
		// they read exactly as published), and whether the rule allows self-approval.
		version: 4,
		sql: `
ALTER TABLE approvals ADD COLUMN arguments TEXT;
ALTER TABLE approvals ADD COLUMN self_approve BOOLEAN NOT NULL DEFAULT FALSE;
`,
	},
	{
		// Issue 20: tool errors (results with `isError: true`) count as errors and on their own;
		// a held call that was not approved (denied) is no longer counted as blocked by policy;
		// calls held for approval are counted. Sessions stored before are counted again from
		// their events, by the bytes mcprec and servers write (compressed payloads, above
		// 64 KiB, are not read).
		version: 5,
		sql: `
ALTER TABLE session_summaries ADD COLUMN tool_errors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session_summaries ADD COLUMN denied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session_summaries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
UPDATE session_summaries SET
  tool_errors = (SELECT count(*) FROM events e WHERE e.session_id = session_summaries.session_id AND e.kind = 'message' AND e.origin = 'server' AND e.encoding = 'identity' AND (e.method IS NULL OR e.method IN ('tools/call', 'batch'))
    AND (position(convert_to('"isError":true', 'UTF8') in e.payload) > 0 OR position(convert_to('"isError": true', 'UTF8') in e.payload) > 0)),
  denied = (SELECT count(*) FROM events e WHERE e.session_id = session_summaries.session_id AND e.kind = 'decision'
    AND position(convert_to('"action":"approve"', 'UTF8') in e.payload) > 0 AND position(convert_to('"status":"denied"', 'UTF8') in e.payload) > 0),
  held = (SELECT count(*) FROM events e WHERE e.session_id = session_summaries.session_id AND e.kind = 'decision'
    AND position(convert_to('"action":"approve"', 'UTF8') in e.payload) > 0 AND position(convert_to('"status":"held"', 'UTF8') in e.payload) > 0);
UPDATE session_summaries SET errors = errors + tool_errors, blocked = greatest(blocked - denied, 0) WHERE tool_errors > 0 OR denied > 0;
CREATE INDEX summaries_tool_errors ON session_summaries (started_at, session_id) WHERE tool_errors > 0;
CREATE INDEX summaries_denied ON session_summaries (started_at, session_id) WHERE denied > 0;
CREATE INDEX summaries_held ON session_summaries (started_at, session_id) WHERE held > 0;
`,
	},
	{
		// Issue 18: sessions forwarded to an OTLP endpoint (`mcprec server --otlp-endpoint`),
		// per destination, so a restart or an outage of the endpoint sends each one once.
		version: 6,
		sql: `
CREATE TABLE otlp_forwarded (
  destination TEXT NOT NULL,
  session_id TEXT NOT NULL,
  head_hash TEXT,
  forwarded_at BIGINT NOT NULL,
  PRIMARY KEY (destination, session_id)
);
`,
	},
	{
		// Issue 18: retention (`mcprec server --retention`). What was pruned stays as one row, so
		// the API and the viewer say "pruned by policy on DATE", not "unknown"; sessions under a
		// legal hold (placed by the auditor group) are never pruned.
		version: 7,
		sql: `
CREATE TABLE legal_holds (
  session_id TEXT PRIMARY KEY,
  placed_by TEXT NOT NULL,
  reason TEXT,
  placed_at BIGINT NOT NULL
);
CREATE TABLE pruned_sessions (
  session_id TEXT PRIMARY KEY,
  owner_sub TEXT NOT NULL,
  server TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  event_count BIGINT NOT NULL,
  head_hash TEXT,
  integrity TEXT NOT NULL,
  policy TEXT NOT NULL,
  pruned_at BIGINT NOT NULL
);
`,
	},
	{
		// Issue 20, approvals with context: the requester's groups as their token said when
		// publishing, the approver's reason with the decision, and a session's approvals.
		version: 8,
		sql: `
ALTER TABLE approvals ADD COLUMN owner_groups TEXT;
ALTER TABLE approvals ADD COLUMN reason TEXT;
CREATE INDEX approvals_session ON approvals (session_id);
`,
	},
	{
		// Issue 20: full-text search over arguments and results (search-words.ts): each appended
		// batch adds its words as chunks, a tsvector made from the word array (no parser, so the
		// words are the same as SQLite's) under a GIN index; existing events are indexed when the
		// collector migrates. Tool calls are counted per session, and the list can be sorted by
		// duration, user, server, calls, errors.
		version: 9,
		sql: `
ALTER TABLE session_summaries ADD COLUMN calls INTEGER NOT NULL DEFAULT 0;
UPDATE session_summaries SET calls = (SELECT count(*) FROM events e WHERE e.session_id = session_summaries.session_id AND e.kind = 'message' AND e.origin = 'client' AND e.method = 'tools/call');
CREATE TABLE search_chunks (
  id BIGSERIAL PRIMARY KEY,
  session_id TEXT NOT NULL,
  words TSVECTOR NOT NULL
);
CREATE INDEX search_chunks_words ON search_chunks USING GIN (words);
CREATE INDEX search_chunks_session ON search_chunks (session_id);
CREATE INDEX sessions_duration ON sessions ((coalesce(ended_at - started_at, -1)), id);
CREATE INDEX sessions_user_sort ON sessions ((lower(coalesce(owner_email, owner_sub))), id);
CREATE INDEX sessions_server_sort ON sessions ((lower(server)), id);
CREATE INDEX summaries_calls ON session_summaries (calls, session_id);
CREATE INDEX summaries_errors_sort ON session_summaries (errors, session_id);
`,
	},
];

/** The migration that creates the search index; events stored before it are indexed when it runs. */
export const SEARCH_INDEX_VERSION = 9;
