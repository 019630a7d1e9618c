package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --cover}: forget and add list k + C retrained adapters (and the cover count, never
 * which), {@code info} shows the cover, the model is the one trained without cover and verifies
 * EXACT (docs/privacy.md).
 */
class CoverCommandTest {
    private static final int COVER = 3;

    @TempDir
    Path tmp;

    @Test
    void forgetAndAddRetrainKPlusCoverAndTheModelStaysExact() {
        Path slice = Cli.writeSlice(tmp.resolve("fmnist"), Cli.TRAIN_ROWS, Cli.TEST_ROWS);
        Path covered = tmp.resolve("covered");
        Path plain = tmp.resolve("plain");
        String digest = Cli.run(Cli.smallTrain(covered, slice).set("--cover", COVER).flag("--json").args("train")).ok()
                .json().get("model_digest").asText();
        assertThat(Cli.run(Cli.smallTrain(plain, slice).flag("--json").args("train")).ok().json()
                .get("model_digest").asText()).as("cover never changes a bit").isEqualTo(digest);

        JsonNode info = Cli.run("info", "--model", covered, "--json").ok().json();
        assertThat(info.get("cover").asInt()).isEqualTo(COVER);
        assertThat(info.get("config").get("cover").asInt()).isEqualTo(COVER);
        assertThat(Cli.run("info", "--model", covered).ok().out()).contains("route-hiding cover")
                .contains("also retrains " + COVER + " adapters");
        assertThat(Cli.run("info", "--model", plain).ok().out()).contains("route-hiding cover").contains("off");

        JsonNode f = Cli.run("forget", "--model", covered, "--id", 1234, "--json").ok().json();
        JsonNode g = Cli.run("forget", "--model", plain, "--id", 1234, "--json").ok().json();
        assertThat(f.get("adapters_retrained")).hasSize(Cli.ACTIVATE + COVER);
        assertThat(f.get("cover").asInt()).isEqualTo(COVER);
        assertThat(g.get("adapters_retrained")).hasSize(Cli.ACTIVATE);
        assertThat(g.get("cover").asInt()).isZero();
        assertThat(f.get("digest_after").asText()).isEqualTo(g.get("digest_after").asText());
        f.get("adapters_retrained").forEach(j -> assertThat(j.asInt()).isBetween(0, Cli.ADAPTERS - 1));

        Cli.Run text = Cli.run("forget", "--model", covered, "--id", 1235, "--quiet").ok();
        assertThat(text.out()).containsPattern("adapters retrained +" + (Cli.ACTIVATE + COVER) + " ")
                .contains(COVER + " of them hold no changed sample");
        assertThat(Cli.run("verify", "--model", covered, "--json").ok().json().get("exact").asBoolean()).isTrue();

        // a cover that leaves no room beside the k activated adapters is bad input, named by its flag
        Cli.run(Cli.smallTrain(tmp.resolve("too-much"), slice).set("--cover", Cli.ADAPTERS - Cli.ACTIVATE + 1)
                .args("train")).badInput("--cover must leave room beside the " + Cli.ACTIVATE + " activated adapters");
    }
}
