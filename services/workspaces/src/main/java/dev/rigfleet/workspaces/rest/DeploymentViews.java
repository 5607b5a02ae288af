package dev.rigfleet.workspaces.rest;

import dev.rigfleet.workspaces.model.Deployment;
import dev.rigfleet.workspaces.model.Holding;
import dev.rigfleet.workspaces.model.Requester;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Deployments in the spec's JSON: the public fields for everyone, who holds it for its owner. */
final class DeploymentViews {

    private DeploymentViews() {}

    /** An entry of {@code info} in {@code GET /deployments?info}. */
    static Map<String, Object> summary(Deployment d, boolean online) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("type", d.type());
        view.put("type_version", d.typeVersion());
        view.put("supported_addons", List.of());
        view.put("desc", d.description());
        view.put("region", d.region());
        view.put("icounter", d.icounter());
        view.put("created", d.createdAt().toString());
        view.put("queuelen", d.queueLength());
        view.put("online", online);
        return view;
    }

    /** {@code GET /deployment/:id}: the holder's own instance for the holder, the holder itself for the owner. */
    static Map<String, Object> detail(Deployment d, boolean online, Requester requester, Holding holding) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", d.id().toString());
        view.putAll(summary(d, online && !d.retired()));
        if (d.lockedOut()) {
            view.put("lockout", true);
        }
        if (d.retired()) {
            view.put("dissolved", d.retiredAt().toString());
        }
        if (requester != null && holding != null && holding.userId().equals(requester.id())) {
            view.put("instance", holding.id().toString());
        }
        if (requester != null && requester.mayManage(d.ownerId())) {
            view.put("owner", d.ownerId().toString());
            if (d.attention() != null) {
                view.put("attention", d.attention());
            }
            view.put("host", d.hostDevice());
            view.put("peripherals", d.peripherals());
            if (holding != null) {
                Map<String, Object> holder = new LinkedHashMap<>();
                holder.put("user", holding.username());
                holder.put("user_id", holding.userId().toString());
                holder.put("since", holding.startedAt().toString());
                holder.put("instance", holding.id().toString());
                holder.put("lease_expires", holding.leaseExpiresAt().toString());
                view.put("holder", holder);
            }
        }
        return view;
    }
}
