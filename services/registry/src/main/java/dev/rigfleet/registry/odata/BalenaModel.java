package dev.rigfleet.registry.odata;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.olingo.commons.api.edm.EdmPrimitiveTypeKind;
import org.apache.olingo.commons.api.edm.FullQualifiedName;
import org.apache.olingo.commons.api.edm.provider.CsdlAbstractEdmProvider;
import org.apache.olingo.commons.api.edm.provider.CsdlEntityContainer;
import org.apache.olingo.commons.api.edm.provider.CsdlEntityContainerInfo;
import org.apache.olingo.commons.api.edm.provider.CsdlEntitySet;
import org.apache.olingo.commons.api.edm.provider.CsdlEntityType;
import org.apache.olingo.commons.api.edm.provider.CsdlNavigationProperty;
import org.apache.olingo.commons.api.edm.provider.CsdlProperty;
import org.apache.olingo.commons.api.edm.provider.CsdlPropertyRef;
import org.apache.olingo.commons.api.edm.provider.CsdlSchema;

/**
 * The part of balena's data model that rigfleet serves: the {@code device} and {@code application} resources with
 * balena's field names, each field with its OData type, where it is stored (the HQL path, null when it is not a
 * column and so cannot be filtered or ordered on) and how it is read off a row. Olingo's parser checks queries
 * against this model.
 */
public final class BalenaModel {

    /** One field as balena names it. */
    public record Field<R>(String name, EdmPrimitiveTypeKind type, String column, Function<R, Object> value) {}

    /** One resource: its fields, and its navigation to the application (only the device has one). */
    public record Resource<R>(String name, List<Field<R>> fields, String navigation, String navigationColumn) {

        /** Where each filterable member path is stored; the navigation's id is the foreign key. */
        public Map<String, String> columns() {
            Map<String, String> columns = new HashMap<>();
            fields.stream()
                    .filter(field -> field.column() != null)
                    .forEach(field -> columns.put(field.name(), field.column()));
            if (navigation != null) {
                columns.put(navigation + "/id", navigationColumn);
            }
            return columns;
        }
    }

    public static final String NAMESPACE = "balena";
    public static final String APPLICATION_NAVIGATION = "belongs_to__application";

    public static final Resource<DeviceRow> DEVICE = new Resource<>(
            "device",
            List.of(
                    new Field<>("id", EdmPrimitiveTypeKind.Int64, "id", row -> row.device().id),
                    new Field<>("uuid", EdmPrimitiveTypeKind.String, "uuid", row -> row.device().uuid),
                    new Field<>("device_name", EdmPrimitiveTypeKind.String, "name", row -> row.device().name),
                    new Field<>("is_online", EdmPrimitiveTypeKind.Boolean, null, DeviceRow::online),
                    new Field<>("api_heartbeat_state", EdmPrimitiveTypeKind.String, null, DeviceRow::heartbeatState),
                    new Field<>(
                            "last_connectivity_event",
                            EdmPrimitiveTypeKind.DateTimeOffset,
                            "lastSeen",
                            row -> row.device().lastSeen),
                    new Field<>(
                            "created_at",
                            EdmPrimitiveTypeKind.DateTimeOffset,
                            "createdAt",
                            row -> row.device().createdAt),
                    new Field<>("supervisor_version", EdmPrimitiveTypeKind.String, null, DeviceRow::supervisorVersion),
                    new Field<>("os_version", EdmPrimitiveTypeKind.String, null, row -> row.reported("os_version")),
                    new Field<>("ip_address", EdmPrimitiveTypeKind.String, null, DeviceRow::ipAddress)),
            APPLICATION_NAVIGATION,
            "fleetId");

    public static final Resource<ApplicationRow> APPLICATION = new Resource<>(
            "application",
            List.of(
                    new Field<>("id", EdmPrimitiveTypeKind.Int64, "id", row -> row.fleet().id),
                    new Field<>("app_name", EdmPrimitiveTypeKind.String, "name", row -> row.fleet().name),
                    new Field<>(
                            "created_at",
                            EdmPrimitiveTypeKind.DateTimeOffset,
                            "createdAt",
                            row -> row.fleet().createdAt)),
            null,
            null);

    private BalenaModel() {}

    /** The model as Olingo reads it. */
    static CsdlAbstractEdmProvider edm() {
        return new Edm();
    }

    private static final class Edm extends CsdlAbstractEdmProvider {

        private static final FullQualifiedName CONTAINER = new FullQualifiedName(NAMESPACE, "balena");

        @Override
        public CsdlEntityType getEntityType(FullQualifiedName name) {
            if (name.getName().equals(DEVICE.name())) {
                // Single-valued for the parser, so that a filter can reach the application's id; balena answers the
                // expanded application as a one-element array, and so does rigfleet.
                return entityType(DEVICE)
                        .setNavigationProperties(List.of(new CsdlNavigationProperty()
                                .setName(APPLICATION_NAVIGATION)
                                .setType(qualified(APPLICATION.name()))));
            }
            if (name.getName().equals(APPLICATION.name())) {
                return entityType(APPLICATION);
            }
            return null;
        }

        @Override
        public CsdlEntitySet getEntitySet(FullQualifiedName container, String name) {
            if (!name.equals(DEVICE.name()) && !name.equals(APPLICATION.name())) {
                return null;
            }
            return new CsdlEntitySet().setName(name).setType(qualified(name));
        }

        @Override
        public CsdlEntityContainer getEntityContainer() {
            return new CsdlEntityContainer()
                    .setName(CONTAINER.getName())
                    .setEntitySets(List.of(
                            getEntitySet(CONTAINER, DEVICE.name()), getEntitySet(CONTAINER, APPLICATION.name())));
        }

        @Override
        public CsdlEntityContainerInfo getEntityContainerInfo(FullQualifiedName name) {
            return new CsdlEntityContainerInfo().setContainerName(CONTAINER);
        }

        @Override
        public List<CsdlSchema> getSchemas() {
            CsdlSchema schema = new CsdlSchema();
            schema.setNamespace(NAMESPACE);
            schema.setEntityTypes(
                    List.of(getEntityType(qualified(DEVICE.name())), getEntityType(qualified(APPLICATION.name()))));
            schema.setEntityContainer(getEntityContainer());
            return List.of(schema);
        }

        private static CsdlEntityType entityType(Resource<?> resource) {
            return new CsdlEntityType()
                    .setName(resource.name())
                    .setProperties(resource.fields().stream()
                            .map(field -> new CsdlProperty()
                                    .setName(field.name())
                                    .setType(field.type().getFullQualifiedName()))
                            .toList())
                    .setKey(List.of(new CsdlPropertyRef().setName("id")));
        }

        private static FullQualifiedName qualified(String name) {
            return new FullQualifiedName(NAMESPACE, name);
        }
    }
}
