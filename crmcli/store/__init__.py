"""Everything that touches the database: connection, schema, migrations, queries."""
