package org.legonet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Placeholder until the report writer lands: JSON only. */
public final class PaperReport {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private PaperReport() {
    }

    public static void writeJson(PaperResults.Run run, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Files.write(file, JSON.writeValueAsBytes(run));
    }

    public static List<Path> writeMarkdown(PaperResults.Run run, Path mdFile) throws IOException {
        Files.createDirectories(mdFile.toAbsolutePath().getParent());
        Files.writeString(mdFile, markdown(run, List.of()));
        return List.of();
    }

    public static String markdown(PaperResults.Run run, List<String> plotNames) {
        return "";
    }
}
