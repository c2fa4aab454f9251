-- Written by `python -m crmcli.store.new_book` from the migrations: do not edit.
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE customer (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	name_key VARCHAR NOT NULL, 
	kind VARCHAR(16) DEFAULT 'company' NOT NULL, 
	tier VARCHAR(16) DEFAULT 'iron' NOT NULL, 
	stage VARCHAR(16) DEFAULT 'prospect' NOT NULL, 
	industry VARCHAR, 
	city VARCHAR, 
	phone VARCHAR, 
	email VARCHAR, 
	tags VARCHAR DEFAULT '' NOT NULL, 
	every_days INTEGER, 
	since VARCHAR(10) NOT NULL, 
	note TEXT, 
	owner VARCHAR DEFAULT '' NOT NULL, 
	last_contact VARCHAR(10), 
	imported_last_contact VARCHAR(10), 
	next_due VARCHAR(10), 
	snoozed_until VARCHAR(10), 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32) NOT NULL, follow_up_on VARCHAR(10), agenda_weight FLOAT DEFAULT '0' NOT NULL, purchase_cents BIGINT DEFAULT '0' NOT NULL, purchase_count INTEGER DEFAULT '0' NOT NULL, last_purchase VARCHAR(10), stakeholder_count INTEGER DEFAULT '0' NOT NULL, decision_makers INTEGER DEFAULT '0' NOT NULL, decision_maker_id INTEGER, decision_maker_level VARCHAR(16), sole_stakeholder_id INTEGER, sole_stakeholder_name VARCHAR, sole_stakeholder_role VARCHAR(16), decision_maker_name VARCHAR, 
	PRIMARY KEY (id)
);

CREATE TABLE stakeholder (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	name_key VARCHAR NOT NULL, 
	role VARCHAR(16), 
	level VARCHAR(16), 
	title VARCHAR, 
	department VARCHAR, 
	phone VARCHAR, 
	phone_digits VARCHAR, 
	email VARCHAR, 
	email_key VARCHAR, 
	im VARCHAR, 
	prefers VARCHAR(16), 
	best_time VARCHAR, 
	birthday VARCHAR(10), 
	every_days INTEGER, 
	last_contact VARCHAR(10), 
	note TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE
);

CREATE TABLE interaction (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	stakeholder_id INTEGER, 
	date VARCHAR(10) NOT NULL, 
	channel VARCHAR(16), 
	purpose VARCHAR(16), 
	note TEXT, 
	feedback TEXT, 
	score INTEGER, 
	next_on VARCHAR(10), 
	next_note TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE, 
	FOREIGN KEY(stakeholder_id) REFERENCES stakeholder (id) ON DELETE SET NULL
);

CREATE TABLE follow_up (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	stakeholder_id INTEGER, 
	interaction_id INTEGER, 
	due_on VARCHAR(10) NOT NULL, 
	note TEXT, 
	done_at VARCHAR(10), 
	done_note TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE, 
	FOREIGN KEY(stakeholder_id) REFERENCES stakeholder (id) ON DELETE SET NULL, 
	FOREIGN KEY(interaction_id) REFERENCES interaction (id) ON DELETE SET NULL
);

CREATE TABLE stage_change (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	stage VARCHAR(16) NOT NULL, 
	at VARCHAR(10) NOT NULL, 
	note TEXT, 
	created_at VARCHAR(32) NOT NULL, from_stage VARCHAR(16), from_days INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE
);

CREATE TABLE level_change (
	id INTEGER NOT NULL, 
	stakeholder_id INTEGER NOT NULL, 
	level VARCHAR(16) NOT NULL, 
	at VARCHAR(10) NOT NULL, 
	note TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(stakeholder_id) REFERENCES stakeholder (id) ON DELETE CASCADE
);

CREATE TABLE deal (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	stakeholder_id INTEGER, 
	title VARCHAR NOT NULL, 
	amount_cents BIGINT, 
	currency VARCHAR(8), 
	close_on VARCHAR(10), 
	stage VARCHAR(16) DEFAULT 'lead' NOT NULL, 
	intent VARCHAR(8), 
	note TEXT, 
	closed_on VARCHAR(10), 
	lost_reason TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE, 
	FOREIGN KEY(stakeholder_id) REFERENCES stakeholder (id) ON DELETE SET NULL
);

CREATE TABLE deal_stage_change (
	id INTEGER NOT NULL, 
	deal_id INTEGER NOT NULL, 
	stage VARCHAR(16) NOT NULL, 
	at VARCHAR(10) NOT NULL, 
	note TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(deal_id) REFERENCES deal (id) ON DELETE CASCADE
);

CREATE TABLE purchase (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	deal_id INTEGER, 
	date VARCHAR(10) NOT NULL, 
	amount_cents BIGINT NOT NULL, 
	currency VARCHAR(8), 
	product VARCHAR, 
	note TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE, 
	FOREIGN KEY(deal_id) REFERENCES deal (id) ON DELETE SET NULL
);

CREATE TABLE fact (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	stakeholder_id INTEGER, 
	"key" VARCHAR NOT NULL, 
	value TEXT NOT NULL, 
	number FLOAT, 
	at VARCHAR(10) NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE, 
	FOREIGN KEY(stakeholder_id) REFERENCES stakeholder (id) ON DELETE SET NULL
);

CREATE TABLE segment (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	definition TEXT NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE import_batch (
	id INTEGER NOT NULL, 
	file VARCHAR NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	at VARCHAR(32) NOT NULL, 
	created INTEGER DEFAULT '0' NOT NULL, 
	updated INTEGER DEFAULT '0' NOT NULL, 
	skipped INTEGER DEFAULT '0' NOT NULL, 
	rejected INTEGER DEFAULT '0' NOT NULL, 
	undone_at VARCHAR(32), 
	PRIMARY KEY (id)
);

CREATE TABLE import_item (
	id INTEGER NOT NULL, 
	batch_id INTEGER NOT NULL, 
	table_name VARCHAR(32) NOT NULL, 
	row_id INTEGER NOT NULL, 
	action VARCHAR(8) NOT NULL, 
	"before" TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(batch_id) REFERENCES import_batch (id) ON DELETE CASCADE
);

CREATE TABLE owner_change (
	id INTEGER NOT NULL, 
	customer_id INTEGER NOT NULL, 
	owner VARCHAR NOT NULL, 
	at VARCHAR(10) NOT NULL, 
	note TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customer (id) ON DELETE CASCADE
);

CREATE TABLE not_duplicate (
	id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	a_id INTEGER NOT NULL, 
	b_id INTEGER NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_not_duplicate_pair UNIQUE (kind, a_id, b_id)
);

CREATE INDEX ix_customer_name_key ON customer (name_key);

CREATE INDEX ix_customer_last_contact ON customer (last_contact);

CREATE INDEX ix_customer_owner_next_due ON customer (owner, next_due);

CREATE INDEX ix_stakeholder_customer ON stakeholder (customer_id);

CREATE INDEX ix_stakeholder_name_key ON stakeholder (name_key);

CREATE INDEX ix_stakeholder_email_key ON stakeholder (email_key);

CREATE INDEX ix_stakeholder_phone_digits ON stakeholder (phone_digits);

CREATE INDEX ix_interaction_customer_date ON interaction (customer_id, date);

CREATE INDEX ix_interaction_stakeholder_date ON interaction (stakeholder_id, date);

CREATE INDEX ix_follow_up_customer_open ON follow_up (customer_id, done_at, due_on);

CREATE INDEX ix_stage_change_stage_at ON stage_change (stage, at);

CREATE INDEX ix_level_change_stakeholder_at ON level_change (stakeholder_id, at);

CREATE INDEX ix_deal_customer ON deal (customer_id);

CREATE INDEX ix_deal_stage_close ON deal (stage, close_on);

CREATE INDEX ix_deal_stage_change_deal ON deal_stage_change (deal_id, at);

CREATE INDEX ix_purchase_date ON purchase (date);

CREATE INDEX ix_fact_customer_key_at ON fact (customer_id, "key", at);

CREATE INDEX ix_fact_key_at ON fact ("key", at);

CREATE INDEX ix_import_batch_sha256 ON import_batch (sha256);

CREATE INDEX ix_import_item_batch ON import_item (batch_id);

CREATE INDEX ix_import_item_row ON import_item (table_name, row_id);

CREATE INDEX ix_owner_change_customer ON owner_change (customer_id, at);

CREATE INDEX ix_customer_agenda ON customer (next_due, snoozed_until, tier, agenda_weight, every_days, follow_up_on, owner);

CREATE INDEX ix_purchase_customer_date_amount ON purchase (customer_id, date, amount_cents);

CREATE INDEX ix_stage_change_customer_at_stage ON stage_change (customer_id, at, id, stage);

CREATE INDEX ix_interaction_customer_score ON interaction (customer_id, date, id, score) WHERE score IS NOT NULL;

CREATE INDEX ix_interaction_customer_complaint ON interaction (customer_id, date, id, purpose) WHERE purpose IN ('complaint', 'resolved');

CREATE INDEX ix_stage_change_moves ON stage_change (from_stage, stage, from_days, at, customer_id);

CREATE INDEX ix_customer_stage_since ON customer (stage, since) WHERE stage IS NOT NULL;

CREATE INDEX ix_customer_purchases ON customer (purchase_count, purchase_cents, last_purchase) WHERE purchase_count > 0;

CREATE INDEX ix_interaction_date_channel_purpose ON interaction (date, channel, purpose, id);

CREATE INDEX ix_customer_coverage ON customer ((CASE tier WHEN 'gold' THEN 0 WHEN 'silver' THEN 1 WHEN 'iron' THEN 2 WHEN 'lead' THEN 3 ELSE -1 END), purchase_cents DESC, name_key, id, name, tier, kind, stage, since, owner, stakeholder_count, decision_makers, decision_maker_level, decision_maker_name, sole_stakeholder_name, sole_stakeholder_role) WHERE kind = 'company' AND stage <> 'lost' AND (stakeholder_count <= 1 OR decision_makers = 0 OR (CASE decision_maker_level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 WHEN 'partner' THEN 2 WHEN 'ally' THEN 3 ELSE -1 END) < 2);

CREATE INDEX ix_customer_last_purchase ON customer (last_purchase, purchase_count) WHERE purchase_count > 0;

CREATE INDEX ix_customer_revenue ON customer (purchase_cents, purchase_count, last_purchase, id, name) WHERE purchase_count > 0;

CREATE TRIGGER stakeholder_coverage_added AFTER INSERT ON stakeholder BEGIN UPDATE customer SET (stakeholder_count, decision_makers, sole_stakeholder_id, sole_stakeholder_name, sole_stakeholder_role) = (SELECT count(*), count(CASE WHEN s.role = 'decision-maker' THEN 1 END), CASE WHEN count(*) = 1 THEN min(s.id) END, CASE WHEN count(*) = 1 THEN min(s.name) END, CASE WHEN count(*) = 1 THEN min(s.role) END FROM stakeholder s WHERE s.customer_id = customer.id), (decision_maker_id, decision_maker_level, decision_maker_name) = (SELECT s.id, s.level, s.name FROM stakeholder s WHERE s.customer_id = customer.id AND s.role = 'decision-maker' ORDER BY (CASE s.level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 WHEN 'partner' THEN 2 WHEN 'ally' THEN 3 ELSE -1 END) DESC, s.name DESC, s.id DESC LIMIT 1) WHERE id = NEW.customer_id; END;

CREATE TRIGGER stakeholder_coverage_deleted AFTER DELETE ON stakeholder BEGIN UPDATE customer SET (stakeholder_count, decision_makers, sole_stakeholder_id, sole_stakeholder_name, sole_stakeholder_role) = (SELECT count(*), count(CASE WHEN s.role = 'decision-maker' THEN 1 END), CASE WHEN count(*) = 1 THEN min(s.id) END, CASE WHEN count(*) = 1 THEN min(s.name) END, CASE WHEN count(*) = 1 THEN min(s.role) END FROM stakeholder s WHERE s.customer_id = customer.id), (decision_maker_id, decision_maker_level, decision_maker_name) = (SELECT s.id, s.level, s.name FROM stakeholder s WHERE s.customer_id = customer.id AND s.role = 'decision-maker' ORDER BY (CASE s.level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 WHEN 'partner' THEN 2 WHEN 'ally' THEN 3 ELSE -1 END) DESC, s.name DESC, s.id DESC LIMIT 1) WHERE id = OLD.customer_id; END;

CREATE TRIGGER stakeholder_coverage_changed AFTER UPDATE OF customer_id, name, role, level ON stakeholder BEGIN UPDATE customer SET (stakeholder_count, decision_makers, sole_stakeholder_id, sole_stakeholder_name, sole_stakeholder_role) = (SELECT count(*), count(CASE WHEN s.role = 'decision-maker' THEN 1 END), CASE WHEN count(*) = 1 THEN min(s.id) END, CASE WHEN count(*) = 1 THEN min(s.name) END, CASE WHEN count(*) = 1 THEN min(s.role) END FROM stakeholder s WHERE s.customer_id = customer.id), (decision_maker_id, decision_maker_level, decision_maker_name) = (SELECT s.id, s.level, s.name FROM stakeholder s WHERE s.customer_id = customer.id AND s.role = 'decision-maker' ORDER BY (CASE s.level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 WHEN 'partner' THEN 2 WHEN 'ally' THEN 3 ELSE -1 END) DESC, s.name DESC, s.id DESC LIMIT 1) WHERE id = OLD.customer_id; UPDATE customer SET (stakeholder_count, decision_makers, sole_stakeholder_id, sole_stakeholder_name, sole_stakeholder_role) = (SELECT count(*), count(CASE WHEN s.role = 'decision-maker' THEN 1 END), CASE WHEN count(*) = 1 THEN min(s.id) END, CASE WHEN count(*) = 1 THEN min(s.name) END, CASE WHEN count(*) = 1 THEN min(s.role) END FROM stakeholder s WHERE s.customer_id = customer.id), (decision_maker_id, decision_maker_level, decision_maker_name) = (SELECT s.id, s.level, s.name FROM stakeholder s WHERE s.customer_id = customer.id AND s.role = 'decision-maker' ORDER BY (CASE s.level WHEN 'acquainted' THEN 0 WHEN 'engaged' THEN 1 WHEN 'partner' THEN 2 WHEN 'ally' THEN 3 ELSE -1 END) DESC, s.name DESC, s.id DESC LIMIT 1) WHERE id = NEW.customer_id AND NEW.customer_id IS NOT OLD.customer_id; END;

INSERT INTO alembic_version (version_num) VALUES ('0010');

