// The throwaway PostgreSQL cluster of the collector tests. It lives in src/server so that
// `npm run bench` (measure-ingest.ts) can start the same one; see there for the details.
// Missing PostgreSQL binaries make startPostgres() throw with the install command.

export { findPostgresBin, startPostgres, type PostgresCluster, type StartPostgresOptions } from '../../src/server/throwaway-postgres.js';
