// Numbered schema migrations, applied in order when the store opens (DESIGN §5).

export interface Migration {
	version: number;
	sql: string;
}

export const MIGRATIONS: Migration[] = [
	{
		version: 1,
		sql: `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  server TEXT NOT NULL,
  command TEXT,
  url TEXT,
  cwd TEXT,
  host TEXT,
  os_user TEXT,
  identity_issuer TEXT,
  identity_sub TEXT,
  identity_email TEXT,
  identity_name TEXT,
  identity_groups TEXT,
  client_name TEXT,
  client_version TEXT,
  protocol_version TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT,
  exit_code INTEGER,
  exit_signal TEXT,
  messages INTEGER NOT NULL DEFAULT 0,
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  blocked INTEGER NOT NULL DEFAULT 0,
  masked INTEGER NOT NULL DEFAULT 0,
  approvals INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  event_count INTEGER NOT NULL DEFAULT 0,
  policy_digest TEXT,
  head_hash TEXT,
  synced_seq INTEGER NOT NULL DEFAULT -1,
  sync_state TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX sessions_started_at ON sessions (started_at);
CREATE TABLE events (
  session_id TEXT NOT NULL REFERENCES sessions (id),
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  origin TEXT NOT NULL,
  target TEXT,
  kind TEXT NOT NULL,
  method TEXT,
  rpc_id TEXT,
  tool TEXT,
  payload BLOB NOT NULL,
  encoding TEXT NOT NULL DEFAULT 'identity',
  size INTEGER NOT NULL,
  latency_us INTEGER,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
`,
	},
	{
		version: 2,
		sql: `
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  server TEXT NOT NULL,
  method TEXT NOT NULL,
  tool TEXT,
  rule TEXT,
  digest TEXT NOT NULL,
  summary TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  channel TEXT
);
CREATE INDEX approvals_status ON approvals (status, expires_at);
CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  server TEXT NOT NULL,
  tool TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_by TEXT,
  reason TEXT
);
CREATE TABLE tool_pins (
  server TEXT NOT NULL,
  tool TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (server, tool)
);
`,
	},
	{
		// mcprec sync (issue 5): the signed head of a closed session, kept locally so `verify`
		// checks the signature too, and the device public keys it is checked against.
		// `synced_seq` is the collector's last acknowledged seq; `sync_state` is local,
		// partial (some events uploaded, or open) or synced (closed, all uploaded, seal sent).
		version: 3,
		sql: `
ALTER TABLE sessions ADD COLUMN seal_device_id TEXT;
ALTER TABLE sessions ADD COLUMN seal_event_count INTEGER;
ALTER TABLE sessions ADD COLUMN seal_head_hash TEXT;
ALTER TABLE sessions ADD COLUMN seal_signature TEXT;
ALTER TABLE sessions ADD COLUMN seal_sent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_sync_state ON sessions (sync_state);
CREATE TABLE device_keys (
  id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`,
	},
	{
		// Write-ahead journal (issue 13): the process that records a session, so any reader can
		// tell a running session from one whose process died (recover-journals.ts).
		version: 4,
		sql: `
ALTER TABLE sessions ADD COLUMN pid INTEGER;
ALTER TABLE sessions ADD COLUMN pid_start TEXT;
`,
	},
	{
		// Approvals show the whole call and say who decides it (issue 12): the complete masked
		// arguments as JSON, `local` (mcprec approve) or `collector` (its approver group), and
		// where to decide a call the collector holds.
		version: 5,
		sql: `
ALTER TABLE approvals ADD COLUMN arguments TEXT;
ALTER TABLE approvals ADD COLUMN authority TEXT NOT NULL DEFAULT 'local';
ALTER TABLE approvals ADD COLUMN decide_url TEXT;
`,
	},
	{
		// Local tamper evidence (issue 13): the device key signs each session's head at every
		// commit (checkpoint_*), and the store ledger chains the opening and closing of every
		// session (event/ledger.ts), so a session rewritten, cut short or deleted shows.
		version: 6,
		sql: `
ALTER TABLE sessions ADD COLUMN checkpoint_device_id TEXT;
ALTER TABLE sessions ADD COLUMN checkpoint_event_count INTEGER;
ALTER TABLE sessions ADD COLUMN checkpoint_head_hash TEXT;
ALTER TABLE sessions ADD COLUMN checkpoint_signature TEXT;
CREATE TABLE ledger (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  session_id TEXT NOT NULL,
  event_count INTEGER,
  head_hash TEXT,
  end_reason TEXT,
  device_id TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT
);
CREATE INDEX ledger_session ON ledger (session_id);
`,
	},
	{
		// Tool errors are errors (issue 20): a tools/call answered with `isError: true` counts in
		// `errors`, and `tool_errors` says how many of them were. Sessions recorded before are
		// counted again from their stored messages: the server's results whose bytes hold the
		// key as servers write it (compressed payloads, above 64 KiB, are not read).
		version: 7,
		sql: `
ALTER TABLE sessions ADD COLUMN tool_errors INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET tool_errors = (
  SELECT count(*) FROM events e
  WHERE e.session_id = sessions.id AND e.kind = 'message' AND e.origin = 'server' AND e.encoding = 'identity' AND (e.method IS NULL OR e.method IN ('tools/call', 'batch'))
    AND (instr(e.payload, CAST('"isError":true' AS BLOB)) > 0 OR instr(e.payload, CAST('"isError": true' AS BLOB)) > 0)
);
UPDATE sessions SET errors = errors + tool_errors WHERE tool_errors > 0;
`,
	},
	{
		// Why an approver decided as they did (issue 20): `mcprec approve|deny --reason`, or the
		// reason given in the collector's viewer, mirrored here.
		version: 8,
		sql: `
ALTER TABLE approvals ADD COLUMN reason TEXT;
`,
	},
	{
		// An approver's "no" is not a policy block (issue 20): held calls that were not approved
		// count in `denied`, no longer in `blocked`. Sessions recorded before are counted again
		// from their decision events (mcprec writes them as compact JSON).
		version: 9,
		sql: `
ALTER TABLE sessions ADD COLUMN denied INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET denied = (
  SELECT count(*) FROM events e
  WHERE e.session_id = sessions.id AND e.kind = 'decision' AND e.encoding = 'identity'
    AND instr(e.payload, CAST('"action":"approve"' AS BLOB)) > 0 AND instr(e.payload, CAST('"status":"denied"' AS BLOB)) > 0
);
UPDATE sessions SET blocked = max(0, blocked - denied) WHERE denied > 0;
`,
	},
];
