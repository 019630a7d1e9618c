package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Opens;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The compiled descriptor of {@code org.legonet.core} (target/classes/module-info.class): users see
 * the four API packages and nothing else; every other package is exported, if at all, only to
 * LegoNet's own modules. Adding an unqualified export, a dependency or an open fails here.
 */
class ModuleDescriptorTest {
    /** The packages users program against: the facade and its types, the data API and the two SPIs. */
    static final Set<String> API = Set.of("org.legonet.core", "org.legonet.core.data", "org.legonet.core.encoder",
            "org.legonet.core.adapter");
    /** LegoNet's other jars, by their Automatic-Module-Name. */
    static final Set<String> SIBLINGS = Set.of("org.legonet.dl", "org.legonet.bench", "org.legonet.server",
            "org.legonet.cli", "org.legonet.spark");

    static Path classesDir() throws Exception {
        return Path.of(ModelConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static ModuleDescriptor descriptor() throws Exception {
        Set<ModuleReference> all = ModuleFinder.of(classesDir()).findAll();
        assertThat(all).as("modules in %s", classesDir()).hasSize(1);
        return all.iterator().next().descriptor();
    }

    @Test
    void theModuleIsNamedOrgLegonetCore() throws Exception {
        ModuleDescriptor d = descriptor();
        assertThat(d.name()).isEqualTo("org.legonet.core");
        assertThat(d.isAutomatic()).isFalse();
        assertThat(d.isOpen()).as("an open module would let reflection into every package").isFalse();
    }

    @Test
    void onlyTheApiPackagesAreExportedToEveryone() throws Exception {
        Set<String> unqualified = descriptor().exports().stream().filter(e -> !e.isQualified())
                .map(Exports::source).collect(Collectors.toCollection(TreeSet::new));
        assertThat(unqualified).containsExactlyInAnyOrderElementsOf(API);
    }

    @Test
    void everyOtherPackageIsExportedOnlyToLegoNetModules() throws Exception {
        ModuleDescriptor d = descriptor();
        Map<String, Set<String>> qualified = new TreeMap<>();
        for (Exports e : d.exports()) {
            if (e.isQualified()) {
                qualified.put(e.source(), e.targets());
            }
        }
        assertThat(qualified).as("internal packages exported to LegoNet's modules")
                .containsKeys("org.legonet.core.model", "org.legonet.core.store", "org.legonet.core.unlearn");
        qualified.forEach((pkg, targets) -> {
            assertThat(API).as("API package %s is exported to everyone, not qualified", pkg).doesNotContain(pkg);
            assertThat(SIBLINGS).as("the modules %s is exported to", pkg).containsAll(targets);
            assertThat(targets).as("the CLI and the service use only the API: %s is not exported to them", pkg)
                    .doesNotContain("org.legonet.cli", "org.legonet.server");
        });
        Set<String> internal = new TreeSet<>(d.packages());
        internal.removeAll(API);
        assertThat(internal).as("internal packages of the module")
                .contains("org.legonet.core.kernel", "org.legonet.core.routing", "org.legonet.core.util");
    }

    @Test
    void itRequiresOnlyTheJdkTheVectorApiAndJackson() throws Exception {
        Set<String> requires = descriptor().requires().stream().map(Requires::name).collect(Collectors.toSet());
        assertThat(requires).containsExactlyInAnyOrder("java.base", "jdk.incubator.vector", "java.net.http",
                "com.fasterxml.jackson.databind");
        assertThat(descriptor().requires()).as("no requires transitive: no third-party type is part of the API")
                .noneMatch(r -> r.modifiers().contains(Requires.Modifier.TRANSITIVE)
                        && !r.name().equals("java.base"));
    }

    @Test
    void onlyJacksonMayReflectAndOnlyIntoTheRecordsItBinds() throws Exception {
        Map<String, Set<String>> opens = new TreeMap<>();
        for (Opens o : descriptor().opens()) {
            assertThat(o.isQualified()).as("opens %s to everyone", o.source()).isTrue();
            opens.put(o.source(), o.targets());
        }
        assertThat(opens).isEqualTo(Map.of(
                "org.legonet.core", Set.of("com.fasterxml.jackson.databind"),
                "org.legonet.core.store", Set.of("com.fasterxml.jackson.databind")));
    }

    @Test
    void encoderProvidersAreFoundByServiceLoaderOnTheModulePathToo() throws Exception {
        assertThat(descriptor().uses()).containsExactly("org.legonet.core.encoder.EncoderProvider");
    }
}
