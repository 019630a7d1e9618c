package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The command line uses only the library facade ({@code org.legonet.core} and its data readers and
 * encoder and adapter SPIs), never the engine below it: no import or mention of core's internal
 * packages, and no {@code ModelStore}, {@code Unlearner} or {@code Manifest}.
 */
class FacadeOnlyTest {
    private static final Pattern INTERNAL = Pattern.compile(
            "org\\.legonet\\.core\\.(store|unlearn|model|routing|util|kernel)\\b|\\b(ModelStore|Unlearner|Manifest)\\b");

    @Test
    void mainCodeNamesNothingBelowTheFacade() throws IOException {
        Path main = Path.of("src/main/java/org/legonet/cli");
        assertThat(main).isDirectory();
        List<String> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(main)) {
            files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = INTERNAL.matcher(lines.get(i));
                if (m.find()) {
                    found.add(f.getFileName() + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        assertThat(found).as("legonet-cli main code below the facade").isEmpty();
    }
}
