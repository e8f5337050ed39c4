-- The reviewers a requester narrowed an approval request to, where its policies allow it
-- (src/approval/reviewer-choice.ts): { "users": [user ids], "groups": [group names] }, always
-- within the policies' eligible reviewers; NULL when the requester chose none (every eligible
-- reviewer may decide). Written with the request and never changed after: the trigger below
-- refuses any UPDATE of it, so a decision cannot be opened to someone the requester did not pick
-- (nor closed to someone they did) once the request exists.
ALTER TABLE airlock.approval_requests ADD COLUMN chosen_reviewers jsonb;

CREATE FUNCTION airlock.approval_chosen_reviewers_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.chosen_reviewers IS DISTINCT FROM OLD.chosen_reviewers THEN
    RAISE EXCEPTION 'an approval request''s chosen reviewers cannot be changed'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER approval_chosen_reviewers_fixed
  BEFORE UPDATE OF chosen_reviewers ON airlock.approval_requests
  FOR EACH ROW EXECUTE FUNCTION airlock.approval_chosen_reviewers_fixed();
