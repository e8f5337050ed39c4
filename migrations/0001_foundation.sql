-- Airlock's own schema and the role every runtime connection acts as.
--
-- The owner (the user in DATABASE_URL) runs migrations. At run time connections SET ROLE
-- airlock_app (via the startup packet), which holds only the privileges granted here and in later
-- migrations. That is what lets the audit tables be append-only for the application.
CREATE SCHEMA IF NOT EXISTS airlock;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'airlock_app') THEN
    BEGIN
      CREATE ROLE airlock_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      -- Another database of the same cluster created it at the same moment (parallel tests).
      NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'airlock_app', 'MEMBER') THEN
    EXECUTE format('GRANT airlock_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA airlock TO airlock_app;
GRANT SELECT ON airlock.schema_migrations TO airlock_app;
-- Tables created later by the owner in this schema are read-write for the app unless a migration
-- revokes it (the audit tables do).
ALTER DEFAULT PRIVILEGES IN SCHEMA airlock GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO airlock_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA airlock GRANT USAGE, SELECT ON SEQUENCES TO airlock_app;
