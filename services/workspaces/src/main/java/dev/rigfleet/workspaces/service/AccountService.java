package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.config.WorkspacesConfig;
import dev.rigfleet.workspaces.model.User;
import dev.rigfleet.workspaces.repository.UserRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.exception.ConstraintViolationException;

/** Users and their passwords. */
@ApplicationScoped
public class AccountService {

    private final UserRepository users;
    private final PasswordHasher hasher;
    private final WorkspacesConfig config;

    public AccountService(UserRepository users, PasswordHasher hasher, WorkspacesConfig config) {
        this.users = users;
        this.hasher = hasher;
        this.config = config;
    }

    public Uni<User> create(String username, String password, boolean admin) {
        return hasher.hash(password)
                .chain(hash -> Panache.withTransaction(() -> users.findByUsername(username)
                                .chain(existing -> {
                                    if (existing != null) {
                                        return Uni.createFrom()
                                                .failure(ApiException.conflict("user " + username + " exists already"));
                                    }
                                    User user = new User();
                                    user.id = UUID.randomUUID();
                                    user.username = username;
                                    user.passwordHash = hash;
                                    user.admin = admin;
                                    user.createdAt = Instant.now();
                                    return users.persist(user);
                                }))
                        // Two creations of one name at once: the unique index decides, and the loser hears it plainly.
                        .onFailure(ConstraintViolationException.class)
                        .transform(e -> ApiException.conflict("user " + username + " exists already")));
    }

    /** The user with this name and password; 401 otherwise, without telling which of the two was wrong. */
    public Uni<User> authenticate(String username, String password) {
        return Panache.withSession(() -> users.findByUsername(username))
                .chain(user -> hasher.matches(password, user == null ? null : user.passwordHash)
                        .map(matched -> {
                            if (!matched) {
                                throw ApiException.unauthorized("wrong user or password");
                            }
                            return user;
                        }));
    }

    public Uni<User> find(UUID id) {
        return Panache.withSession(() -> users.findById(id));
    }

    void createBootstrapAdmin(@Observes StartupEvent started) throws Throwable {
        if (config.bootstrapAdmin().isEmpty()) {
            return;
        }
        WorkspacesConfig.BootstrapAdmin admin = config.bootstrapAdmin().get();
        VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> users.findByUsername(admin.username()))
                .chain(existing -> existing != null
                        ? Uni.createFrom().voidItem()
                        : create(admin.username(), admin.password(), true)
                                .invoke(user -> Log.infof("Created the bootstrap admin %s", user.username))
                                .replaceWithVoid()));
    }
}
