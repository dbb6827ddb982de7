-- Payments: tiers (Ghost's `products`) with their benefits, members' tiers, posts limited to
-- tiers, Stripe customers and subscriptions as the webhooks last left them, every Stripe event
-- applied (so a redelivered one changes nothing), donations, each member's history, goal
-- campaigns and the member emails staff can edit. Amounts are in the currency's smallest unit
-- (cents), as Stripe and Ghost keep them.
CREATE TABLE tiers (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    slug             TEXT NOT NULL UNIQUE,
    description      TEXT,
    type             TEXT NOT NULL CHECK (type IN ('free', 'paid')),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    visibility       TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'none')),
    welcome_page_url TEXT,
    monthly_price    BIGINT,
    yearly_price     BIGINT,
    currency         TEXT,
    trial_days       BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE benefits (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tiers_benefits (
    tier_id    TEXT NOT NULL REFERENCES tiers (id) ON DELETE CASCADE,
    benefit_id TEXT NOT NULL REFERENCES benefits (id) ON DELETE CASCADE,
    sort_order BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tier_id, benefit_id)
);

-- The tiers a member is on (Ghost's `members_products`); `expiry_at` ends a complimentary one.
CREATE TABLE members_tiers (
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tier_id   TEXT NOT NULL REFERENCES tiers (id) ON DELETE CASCADE,
    expiry_at TIMESTAMPTZ,
    PRIMARY KEY (member_id, tier_id)
);
CREATE INDEX members_tiers_tier ON members_tiers (tier_id);

-- Posts with `visibility = 'tiers'` are for members on these tiers (Ghost's `posts_products`).
CREATE TABLE posts_tiers (
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tier_id    TEXT NOT NULL REFERENCES tiers (id) ON DELETE CASCADE,
    sort_order BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (post_id, tier_id)
);

CREATE TABLE stripe_customers (
    customer_id TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    email       TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX stripe_customers_member ON stripe_customers (member_id);

-- A subscription as Stripe last described it. `stripe_seen` is the Stripe time (event `created`)
-- of the description applied, so an older description arriving late is not applied over it.
CREATE TABLE stripe_subscriptions (
    subscription_id      TEXT PRIMARY KEY,
    customer_id          TEXT NOT NULL,
    member_id            TEXT REFERENCES members (id) ON DELETE SET NULL,
    tier_id              TEXT REFERENCES tiers (id) ON DELETE SET NULL,
    status               TEXT NOT NULL,
    cadence              TEXT,
    amount               BIGINT,
    currency             TEXT,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    current_period_end   TIMESTAMPTZ,
    stripe_seen          BIGINT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX stripe_subscriptions_member ON stripe_subscriptions (member_id);

-- Every Stripe event applied, recorded in the transaction that applied it.
CREATE TABLE stripe_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

-- One row per completed donation checkout; refunds are added up against it.
CREATE TABLE donations (
    id                  TEXT PRIMARY KEY,
    checkout_session_id TEXT NOT NULL UNIQUE,
    payment_intent_id   TEXT,
    subscription_id     TEXT,
    member_id           TEXT REFERENCES members (id) ON DELETE SET NULL,
    email               TEXT,
    name                TEXT,
    amount              BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    recurring           BOOLEAN NOT NULL DEFAULT FALSE,
    message             TEXT,
    post_id             TEXT REFERENCES posts (id) ON DELETE SET NULL,
    refunded_amount     BIGINT NOT NULL DEFAULT 0,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX donations_created ON donations (created_at DESC);
CREATE INDEX donations_payment_intent ON donations (payment_intent_id);

-- A member's history: signed up, subscription events, donations, emails received. `detail` is
-- a JSON object whose fields depend on `kind`.
CREATE TABLE member_events (
    id         TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX member_events_member ON member_events (member_id, created_at DESC);
CREATE INDEX member_events_kind ON member_events (kind, created_at);

-- Goal campaigns: "help us reach 20,000 members". `current` is the count as last kept by the
-- system, so pages read one number instead of counting members.
CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    metric          TEXT NOT NULL CHECK (metric IN ('members', 'paid_members', 'new_members', 'amount')),
    counts_since    TIMESTAMPTZ,
    currency        TEXT,
    target          BIGINT NOT NULL CHECK (target > 0),
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ,
    headline        TEXT NOT NULL,
    body            TEXT NOT NULL DEFAULT '',
    button_label    TEXT NOT NULL,
    button_url      TEXT NOT NULL,
    show_strip      BOOLEAN NOT NULL DEFAULT TRUE,
    show_in_article BOOLEAN NOT NULL DEFAULT TRUE,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    when_reached    TEXT NOT NULL DEFAULT 'thank' CHECK (when_reached IN ('thank', 'hide')),
    thank_you       TEXT NOT NULL DEFAULT '',
    current         BIGINT NOT NULL DEFAULT 0,
    counted_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- The member emails staff edit: welcome (free, or per paid tier), donation receipt, failed
-- payment. A missing row means the built-in wording.
CREATE TABLE member_email_templates (
    kind       TEXT NOT NULL CHECK (kind IN ('welcome', 'donation_receipt', 'payment_failed')),
    tier_id    TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, tier_id)
);

-- Tier changes reach every instance as "everything" (tiers show on every page's sign-up and
-- pricing); campaign changes, counts included, as one kind of their own.
CREATE OR REPLACE FUNCTION masthead_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    payload json;
BEGIN
    IF TG_TABLE_NAME = 'posts' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.id, 'type', OLD.type);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.id, 'type', NEW.type);
        END IF;
    ELSIF TG_TABLE_NAME = 'posts_tags' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.post_id, 'tag', OLD.tag_id);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.post_id, 'tag', NEW.tag_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'posts_authors' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.post_id, 'author', OLD.author_id);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.post_id, 'author', NEW.author_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'tags' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'tag', 'id', OLD.id);
        ELSE
            payload := json_build_object('kind', 'tag', 'id', NEW.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'users' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'author', 'id', OLD.id);
        ELSE
            payload := json_build_object('kind', 'author', 'id', NEW.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'settings' THEN
        payload := json_build_object('kind', 'settings');
    ELSIF TG_TABLE_NAME = 'feed_items' THEN
        payload := json_build_object('kind', 'feed', 'id', NEW.id);
    ELSIF TG_TABLE_NAME = 'editors_picks' THEN
        payload := json_build_object('kind', 'picks');
    ELSIF TG_TABLE_NAME = 'campaigns' THEN
        payload := json_build_object('kind', 'campaigns');
    ELSE
        -- Newsletters and tiers (every page's sign-up form lists them) and anything else:
        -- everything.
        payload := json_build_object('kind', 'everything');
    END IF;
    PERFORM pg_notify('masthead_changes',
        (jsonb_build_object('schema', current_schema()) || payload::jsonb)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER tiers_announce AFTER INSERT OR UPDATE OR DELETE ON tiers
    FOR EACH STATEMENT EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER campaigns_announce AFTER INSERT OR UPDATE OR DELETE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION masthead_announce_change();
