"""
Full-text search of products on PostgreSQL.

`Product.search_vector` holds name and brand (weight A), SKUs (A), tag names (B) and the
description (C), parsed with the `simple` configuration: no stemming and no stop words, which
suits brand and model names in any language; the search adds prefix matching on top.

Database triggers keep the column current whatever writes the rows (API, admin, bulk seed,
a shell): a product's own columns on insert/update, and its row again when one of its
variants' SKUs or its tags change or a tag is renamed. A GIN index serves the `@@` search.
On SQLite the column stays empty and the search falls back to substring matching.
"""

import django.contrib.postgres.search
from django.db import migrations

DOCUMENT = """
CREATE FUNCTION catalog_product_search_document(p_id bigint, p_name text, p_brand text, p_description text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('simple', coalesce(p_name, '') || ' ' || coalesce(p_brand, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(
               (SELECT string_agg(sku, ' ') FROM catalog_productvariant WHERE product_id = p_id), '')), 'A')
        || setweight(to_tsvector('simple', coalesce(
               (SELECT string_agg(t.name, ' ') FROM catalog_product_tags pt
                JOIN catalog_tag t ON t.id = pt.tag_id WHERE pt.product_id = p_id), '')), 'B')
        || setweight(to_tsvector('simple', coalesce(p_description, '')), 'C')
$$;

CREATE FUNCTION catalog_product_search_refresh(p_id bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE catalog_product
       SET search_vector = catalog_product_search_document(id, name, brand, description)
     WHERE id = p_id
$$;

CREATE FUNCTION catalog_product_search_own() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := catalog_product_search_document(NEW.id, NEW.name, NEW.brand, NEW.description);
    RETURN NEW;
END
$$;

CREATE FUNCTION catalog_product_search_related() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM catalog_product_search_refresh(NEW.product_id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM catalog_product_search_refresh(OLD.product_id);
    ELSIF TG_OP = 'UPDATE' AND OLD.product_id <> NEW.product_id THEN
        PERFORM catalog_product_search_refresh(OLD.product_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION catalog_tag_search_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_product
       SET search_vector = catalog_product_search_document(id, name, brand, description)
     WHERE id IN (SELECT product_id FROM catalog_product_tags WHERE tag_id = NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER product_search_own BEFORE INSERT OR UPDATE OF name, brand, description ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_product_search_own();
CREATE TRIGGER variant_search AFTER INSERT OR DELETE OR UPDATE OF sku, product_id ON catalog_productvariant
    FOR EACH ROW EXECUTE FUNCTION catalog_product_search_related();
CREATE TRIGGER product_tags_search AFTER INSERT OR DELETE OR UPDATE ON catalog_product_tags
    FOR EACH ROW EXECUTE FUNCTION catalog_product_search_related();
CREATE TRIGGER tag_search AFTER UPDATE OF name ON catalog_tag
    FOR EACH ROW EXECUTE FUNCTION catalog_tag_search_renamed();

CREATE INDEX product_search_gin ON catalog_product USING gin (search_vector);
UPDATE catalog_product SET search_vector = catalog_product_search_document(id, name, brand, description);
"""

UNDO = """
DROP INDEX IF EXISTS product_search_gin;
DROP TRIGGER IF EXISTS tag_search ON catalog_tag;
DROP TRIGGER IF EXISTS product_tags_search ON catalog_product_tags;
DROP TRIGGER IF EXISTS variant_search ON catalog_productvariant;
DROP TRIGGER IF EXISTS product_search_own ON catalog_product;
DROP FUNCTION IF EXISTS catalog_tag_search_renamed();
DROP FUNCTION IF EXISTS catalog_product_search_related();
DROP FUNCTION IF EXISTS catalog_product_search_own();
DROP FUNCTION IF EXISTS catalog_product_search_refresh(bigint);
DROP FUNCTION IF EXISTS catalog_product_search_document(bigint, text, text, text);
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # several statements: no parameters, simple protocol

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_coupon_redemption"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_on_postgresql(DOCUMENT), _on_postgresql(UNDO), elidable=False),
    ]
