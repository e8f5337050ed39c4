-- Who wants which notification by which channel. A person's own choice wins; without one, the
-- defaults an admin set for their groups apply (on if any of their groups has it on); without
-- either, it is on. Email is the channel chosen per person today (the inbox always shows what
-- waits, and Slack messages go to a team channel).
CREATE TABLE airlock.notification_preferences (
  user_id text NOT NULL REFERENCES airlock.users (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email')),
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, event_type, channel)
);

CREATE TABLE airlock.group_notification_defaults (
  group_name text NOT NULL,
  event_type text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email')),
  enabled boolean NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_name, event_type, channel)
);
