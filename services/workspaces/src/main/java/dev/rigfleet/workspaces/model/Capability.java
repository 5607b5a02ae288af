package dev.rigfleet.workspaces.model;

/** What an access rule grants or denies on a deployment, as the rerobots rules API names it. */
public enum Capability {
    CAP_INSTANTIATE,
    CAP_NO_INSTANTIATE
}
