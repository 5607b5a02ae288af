package dev.rigfleet.common.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.rigfleet.common.bus.Topic;
import dev.rigfleet.common.bus.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps bus channel and type names in {@link Topics} alone: each module checks its own main classes with {@link
 * #check}. A topic is declared only in {@link Topics}, no string constant is named like a channel or an event, and no
 * class but {@link Topics} spells a topic's type.
 */
public final class BusContract {

    private BusContract() {}

    public static void check(String... packages) {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(packages);
        assertTrue(classes.size() > 0, "no main classes found in " + String.join(", ", packages));

        noClasses()
                .that()
                .doNotBelongToAnyOf(Topics.class)
                .should()
                .callConstructorWhere(DescribedPredicate.describe(
                        "a bus topic's",
                        (JavaConstructorCall call) -> call.getTargetOwner().isAssignableTo(Topic.class)))
                .because("every bus topic is declared once, in Topics")
                .allowEmptyShould(true)
                .check(classes);

        noFields()
                .that()
                .areDeclaredInClassesThat()
                .doNotBelongToAnyOf(Topics.class)
                .and()
                .haveRawType(String.class)
                .and()
                .areStatic()
                .should()
                .haveNameMatching(".*(CHANNEL|EVENT).*")
                .because("bus channels and event types are named in Topics, not in string constants")
                .allowEmptyShould(true)
                .check(classes);

        List<String> spelled = new ArrayList<>();
        for (JavaClass javaClass : classes) {
            if (javaClass.isEquivalentTo(Topics.class)) {
                continue;
            }
            typesSpelledIn(javaClass).forEach(type -> spelled.add(javaClass.getName() + " spells \"" + type + "\""));
        }
        assertEquals(List.of(), spelled, "bus types are spelled only in Topics");
    }

    /** The types of {@link Topics#ALL} that the class spells as a string constant. */
    public static List<String> typesSpelledIn(JavaClass javaClass) {
        String constants = constantPool(javaClass);
        return Topics.ALL.stream()
                .map(Topic::type)
                .filter(constants::contains)
                .distinct()
                .toList();
    }

    /** The class file read as ASCII: string constants appear in it verbatim. */
    private static String constantPool(JavaClass javaClass) {
        var source = javaClass.getSource().orElseThrow();
        try (InputStream in = source.getUri().toURL().openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
