package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Core speaks no CLI: no string literal, comment or javadoc in its main code names a command-line
 * flag or a {@code legonet} command. Settings are named as {@link ModelConfig} names them; the CLI
 * and the service translate (issue 9).
 */
class SpeaksNoCliTest {
    /** A long flag ({@code --force}), a quoted command ({@code 'legonet ...}) or a command by name. */
    static final Pattern CLI_NAME = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*|'legonet\\b"
            + "|\\blegonet (serve|train|forget|add|retrain|verify|predict|info|eval|bench|quickstart|audit|load-test"
            + "|archive-run|help)\\b");

    @Test
    void coreMainCodeNamesNoFlagOrCommand() throws IOException {
        Path main = Path.of("src", "main", "java");
        assertThat(main).isDirectory();
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                for (String hit : hits(Files.readString(f, StandardCharsets.UTF_8))) {
                    hits.add(main.relativize(f) + ":" + hit);
                }
            }
        }
        assertThat(hits).as("core main code naming CLI flags or commands (name the setting instead)").isEmpty();
    }

    @Test
    void theScanLooksAtLiteralsAndCommentsOnly() {
        String source = String.join("\n",
                "class A {",
                "    int n = 3;",
                "    void f() { --n; n--; }",
                "    String s = \"refused; pass --force to replace it\";",
                "    // a comment naming 'legonet serve'",
                "    /** Printed by {@code legonet bench}. */",
                "    String t = \"a dash -- then a space, and a \\\"quoted --flag\\\"\";",
                "    char c = '-';",
                "    String u = \"\"\"",
                "        text block: --threads",
                "        \"\"\";",
                "    String v = \"set threads in the configuration; org.legonet.core\";",
                "}");
        assertThat(hits(source)).containsExactly("4: --force", "5: 'legonet", "6: legonet bench", "7: --flag",
                "10: --threads");
    }

    /** Each CLI name in {@code source}'s string literals and comments, as "line: name". */
    static List<String> hits(String source) {
        List<String> hits = new ArrayList<>();
        String[] lines = prose(source).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = CLI_NAME.matcher(lines[i]);
            while (m.find()) {
                hits.add((i + 1) + ": " + m.group());
            }
        }
        return hits;
    }

    /**
     * {@code source} with everything outside string literals, text blocks and comments blanked
     * out, line breaks kept (so line numbers stay those of the file).
     */
    static String prose(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = closing(source, i + 3, "\"\"\"");
                out.append(source, i, end);
                i = end;
            } else if (c == '"' || c == '\'') {
                int end = closing(source, i + 1, String.valueOf(c));
                out.append(source, i, end);
                i = end;
            } else {
                out.append(c == '\n' ? '\n' : ' ');
                i++;
            }
        }
        return out.toString();
    }

    /** The index just after the first unescaped {@code quote} at or after {@code from}. */
    private static int closing(String source, int from, String quote) {
        int i = from;
        while (i < source.length()) {
            if (source.charAt(i) == '\\') {
                i += 2;
            } else if (source.startsWith(quote, i)) {
                return i + quote.length();
            } else {
                i++;
            }
        }
        return source.length();
    }
}
