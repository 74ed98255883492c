// Schema of the collector's SQLite database (collector.db), applied in order at open.
// PostgreSQL has the same tables in postgres-migrations.ts.

export const SQLITE_MIGRATIONS: { version: number; sql: string }[] = [
	{
		version: 1,
		sql: `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  owner_sub TEXT NOT NULL,
  owner_email TEXT,
  server TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  metadata TEXT NOT NULL,
  next_seq INTEGER NOT NULL DEFAULT 0,
  head_hash TEXT,
  seal_head_hash TEXT,
  seal_event_count INTEGER,
  seal_device_id TEXT,
  seal_signature TEXT,
  seal_valid INTEGER,
  integrity TEXT NOT NULL DEFAULT 'unsigned',
  received_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX sessions_recent ON sessions (started_at, id);
CREATE INDEX sessions_owner ON sessions (owner_sub, started_at, id);
CREATE INDEX sessions_email ON sessions (owner_email, started_at, id);
CREATE INDEX sessions_server ON sessions (server, started_at, id);
CREATE TABLE session_summaries (
  session_id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
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
  started_at INTEGER NOT NULL,
  PRIMARY KEY (tool, session_id)
);
CREATE INDEX session_tools_recent ON session_tools (tool, started_at, session_id);
CREATE INDEX session_tools_session ON session_tools (session_id);
CREATE TABLE events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  origin TEXT NOT NULL,
  target TEXT,
  kind TEXT NOT NULL,
  method TEXT,
  rpc_id TEXT,
  tool TEXT,
  payload BLOB NOT NULL,
  encoding TEXT NOT NULL,
  size INTEGER NOT NULL,
  latency_us INTEGER,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  owner_sub TEXT NOT NULL,
  public_key TEXT NOT NULL,
  name TEXT,
  registered_at INTEGER NOT NULL
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
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
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
CREATE TABLE devices_by_owner (
  id TEXT NOT NULL,
  owner_sub TEXT NOT NULL,
  public_key TEXT NOT NULL,
  name TEXT,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (owner_sub, id)
);
INSERT INTO devices_by_owner (id, owner_sub, public_key, name, registered_at) SELECT id, owner_sub, public_key, name, registered_at FROM devices;
DROP TABLE devices;
ALTER TABLE devices_by_owner RENAME TO devices;
`,
	},
	{
		// Approvers see the whole call (issue 12): the complete masked arguments, and whether
		// the rule lets the person who made the call approve it.
		version: 4,
		sql: `
ALTER TABLE approvals ADD COLUMN arguments TEXT;
ALTER TABLE approvals ADD COLUMN self_approve INTEGER NOT NULL DEFAULT 0;
`,
	},
];
