package ams.app.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.or;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameEndingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules of docs/ARCHITECTURE.md, checked on the main classes of every module
 * (the app's test classpath holds them all): processors meet only through {@code events}, and the
 * pure folds and state machines know nothing of HTTP.
 */
class ArchitectureTest {

    private static final List<String> PROCESSORS =
            List.of("ams.agents..", "ams.knowledge..", "ams.conversations..", "ams.export..");

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("ams");
        for (String module : List.of("ams.events", "ams.testkit", "ams.app")) {
            assertTrue(
                    main.containPackage(module),
                    "the rules would pass vacuously: no classes of " + module + " were imported");
        }
        for (String processor : PROCESSORS) {
            String root = processor.substring(0, processor.length() - 2);
            assertTrue(main.containPackage(root), "no classes of " + root + " were imported");
        }
    }

    @Test
    void processorsNeverDependOnEachOther() {
        for (String processor : PROCESSORS) {
            String[] others =
                    PROCESSORS.stream().filter(p -> !p.equals(processor)).toArray(String[]::new);
            ArchRule rule =
                    noClasses()
                            .that()
                            .resideInAPackage(processor)
                            .should()
                            .dependOnClassesThat()
                            .resideInAnyPackage(others)
                            .because(
                                    "processors meet only through topics and the ports they declare");
            rule.check(main);
        }
    }

    @Test
    void eventsDependOnNoProcessorAndNoApp() {
        noClasses()
                .that()
                .resideInAPackage("ams.events..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "ams.agents..",
                        "ams.knowledge..",
                        "ams.conversations..",
                        "ams.export..",
                        "ams.app..",
                        "ams.testkit..")
                .because("events is the contract every module and every user's producer shares")
                .check(main);
    }

    @Test
    void processorsDoNotDependOnTheApp() {
        noClasses()
                .that()
                .resideInAnyPackage(PROCESSORS.toArray(String[]::new))
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ams.app..")
                .because("the app wires processors together; a processor runs without it")
                .check(main);
    }

    @Test
    void mainCodeDoesNotDependOnTheTestKit() {
        noClasses()
                .that()
                .resideOutsideOfPackage("ams.testkit..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ams.testkit..")
                .check(main);
    }

    @Test
    void foldsAndStateMachinesKnowNothingOfHttp() {
        noClasses()
                .that(
                        or(
                                resideInAnyPackage("..statemachine..", "ams.knowledge.graph.."),
                                simpleNameEndingWith("Fold"),
                                simpleNameEndingWith("FoldProcessor"),
                                simpleNameEndingWith("StateMachine"),
                                simpleNameEndingWith("Topology")))
                .should()
                .dependOnClassesThat(
                        or(
                                resideInAnyPackage("io.javalin..", "java.net.http.."),
                                resideInAPackage("..http.."),
                                simpleNameEndingWith("Http")))
                .because("a fold is a pure function of the log; replay must not need a server")
                .check(main);
    }
}
