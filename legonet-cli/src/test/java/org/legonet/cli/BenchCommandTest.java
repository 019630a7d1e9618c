package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.FashionMnist;

/**
 * {@code legonet bench} with one tiny setting on a 2,000-row slice of the bundled Fashion-MNIST
 * sample, and without any data: it never measures on the sample.
 */
@Execution(ExecutionMode.CONCURRENT)
class BenchCommandTest {
    @Test
    void oneTinySettingWritesJsonAndMarkdown(@TempDir Path tmp) throws IOException {
        Path slice = Cli.writeSlice(tmp.resolve("fmnist"), 2000, 300);
        Path json = tmp.resolve("b.json");
        Path md = tmp.resolve("b.md");
        Cli.Run r = Cli.run("bench", "--setting", "4x2:linear", "--singles", 2, "--data", slice, "--limit", 2000,
                "--public", 400, "--test-limit", 300, "--encoder", "pca:8", "--epochs", 1, "--json", json,
                "--report", md, "--work-dir", tmp.resolve("w"), "--quiet").ok();
        assertThat(r.err()).as("--quiet").isEmpty();
        assertThat(r.out()).contains("| n=4 k=2 linear |").contains("Wrote " + json);

        JsonNode j = Cli.JSON.readTree(json.toFile());
        assertThat(j.get("settings")).hasSize(1);
        JsonNode s = j.get("settings").get(0);
        assertThat(s.get("n").asInt()).isEqualTo(4);
        assertThat(s.get("k").asInt()).isEqualTo(2);
        assertThat(s.get("adapter").asText()).isEqualTo("linear");
        assertThat(s.get("final_verify").asText()).isEqualTo("EXACT");
        assertThat(s.get("single").get("runs").asInt()).isEqualTo(2);
        assertThat(s.get("single").get("verified_exact").asInt()).isEqualTo(2);

        // the encoder-size line: the same setting with a >= 50 MB and a small ONNX encoder (figures, not timed here)
        JsonNode large = j.get("large_encoder");
        assertThat(large.get("setting").asText()).isEqualTo("4x2:linear");
        assertThat(large.get("large_encoder_bytes").asLong()).isGreaterThanOrEqualTo(50_000_000L);
        assertThat(large.get("small_encoder_bytes").asLong()).isLessThan(1_000_000L);
        assertThat(large.get("forgets").asInt()).isEqualTo(5);
        assertThat(large.get("large_p50_seconds").asDouble()).isPositive();
        assertThat(large.get("small_p50_seconds").asDouble()).isPositive();

        assertThat(md).isRegularFile();
        assertThat(Files.readString(md)).contains("| n=4 k=2 linear |").contains("Large encoder, 4x2:linear:");
        // the temporary models of the run are cleaned up
        if (Files.exists(tmp.resolve("w"))) {
            assertThat(Cli.list(tmp.resolve("w"))).isEmpty();
        }
    }

    @Test
    void badSettingIsBadInput(@TempDir Path tmp) {
        Cli.run("bench", "--setting", "4y2", "--json", tmp.resolve("b.json"), "--report", tmp.resolve("b.md"),
                "--work-dir", tmp.resolve("w"), "--quiet").badInput("4y2");
        assertThat(Cli.list(tmp)).isEmpty();
    }

    @Test
    void withNoDataAndNoNetworkItFailsNamingWhereItLookedAndNeverUsesTheSample(@TempDir Path tmp) {
        Path home = tmp.resolve("home");

        Cli.Run r = Cli.runOffline(tmp, "bench", "--quick", "--quiet");

        assertThat(r.exit()).as("stderr:%n%s", r.err()).isEqualTo(LegoNetCli.BAD_INPUT);
        List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).hasSize(1);
        List<Path> looked = FashionMnist.searchPath(Map.of("HOME", home.toString()), tmp.resolve("work/here"), null);
        assertThat(looked).hasSize(2).contains(home.resolve(".cache/legonet/fashion-mnist"));
        assertThat(errors.get(0)).startsWith("error: no Fashion-MNIST in $LEGONET_DATA (unset), " + looked.get(0) + ", "
                + looked.get(1) + ", and could not download Fashion-MNIST from ");
        assertThat(home.resolve(".cache/legonet/fashion-mnist-sample")).doesNotExist();
        assertThat(r.out()).isEmpty();
    }
}
