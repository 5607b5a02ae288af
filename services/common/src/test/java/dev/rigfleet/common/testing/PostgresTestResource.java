package dev.rigfleet.common.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/** A database of its own on the real PostgreSQL on loopback, made for one test run and dropped after it. */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String SERVER = System.getProperty("rigfleet.test.postgres", "127.0.0.1:5432");
    /** The role `make deps` creates: it may create databases, and it owns those it makes. */
    public static final String USER = System.getProperty("rigfleet.test.postgres.user", "rigfleet");

    public static final String PASSWORD = System.getProperty("rigfleet.test.postgres.password", "rigfleet");

    private String database;

    @Override
    public Map<String, String> start() {
        database =
                "rigfleet_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        admin("CREATE DATABASE " + database);
        return Map.of(
                "quarkus.datasource.username",
                USER,
                "quarkus.datasource.password",
                PASSWORD,
                "quarkus.datasource.reactive.url",
                "postgresql://" + SERVER + "/" + database,
                "quarkus.datasource.jdbc.url",
                "jdbc:postgresql://" + SERVER + "/" + database);
    }

    @Override
    public void stop() {
        admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    private static void admin(String sql) {
        try (Connection connection =
                        DriverManager.getConnection("jdbc:postgresql://" + SERVER + "/postgres", USER, PASSWORD);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + SERVER + " refused: " + e.getMessage(), e);
        }
    }
}
