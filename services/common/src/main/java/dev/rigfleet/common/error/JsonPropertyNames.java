package dev.rigfleet.common.error;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.validator.spi.nodenameprovider.JavaBeanProperty;
import org.hibernate.validator.spi.nodenameprovider.Property;
import org.hibernate.validator.spi.nodenameprovider.PropertyNodeNameProvider;

/**
 * Names fields in validation messages as the JSON the caller sent names them ({@code max_uses}, not {@code
 * maxUses}), by asking Jackson how it maps each Java property.
 */
@ApplicationScoped
public class JsonPropertyNames implements PropertyNodeNameProvider {

    private final ObjectMapper mapper;

    public JsonPropertyNames(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String getName(Property property) {
        if (property instanceof JavaBeanProperty bean) {
            BeanDescription description =
                    mapper.getDeserializationConfig().introspect(mapper.constructType(bean.getDeclaringClass()));
            for (BeanPropertyDefinition json : description.findProperties()) {
                if (json.getInternalName().equals(property.getName())) {
                    return json.getName();
                }
            }
        }
        return property.getName();
    }
}
