-- The order a member's labels were given in, which Ghost keeps and shows (`members_labels.sort_order`).
ALTER TABLE members_labels ADD COLUMN sort_order INTEGER NOT NULL DEFAULT 0;
