package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.store.ModelStore;
import org.legonet.core.store.StoreFiles;

/**
 * {@code verify --affected-only} says what it rebuilt and what it only checked; only a full
 * rebuild prints the bare EXACT.
 */
class VerifyScopeTest {
    static final int ADAPTERS = 6;

    @Test
    void anAlteredAdapterNoForgetRetrainedFailsTheFullVerifyAndAffectedOnlyIsNoBareExact(@TempDir Path tmp) {
        Path csv = GeneratedCsv.blobs(tmp.resolve("blobs.csv"), 600, 6, 3, 9);
        Path model = tmp.resolve("m");
        Cli.run("train", "--model", model, "--data", csv, "--public", 100, "--encoder", "pca:4", "-n", ADAPTERS,
                "-k", 2, "--adapter", "mlp:8", "--epochs", 1, "--threads", 2, "--quiet").ok();
        JsonNode forget = Cli.run("forget", "--model", model, "--id", 300, "--json").ok().json();
        List<Integer> retrained = Cli.JSON.convertValue(forget.get("adapters_retrained"),
                Cli.JSON.getTypeFactory().constructCollectionType(List.class, Integer.class));
        assertThat(retrained).hasSize(2);

        // the scenario: an adapter that no forget retrained, altered, the manifest made consistent
        Adapter altered;
        try (ModelStore s = ModelStore.open(model, false)) {
            PrivateSet data = s.data();
            int k = IntStream.range(0, ADAPTERS).filter(j -> !retrained.contains(j) && data.size(j) > 0)
                    .findFirst().orElseThrow();
            altered = LegoNetTrainer.adapterTrainer(s.model().config())
                    .train(k, 4242L, data.trainingSet(k, s.model().classes()));
        }
        StoreFiles.replaceAdapter(model, altered);

        Cli.Run full = Cli.run("verify", "--model", model, "--quiet");
        assertThat(full.exit()).isEqualTo(LegoNetCli.NOT_EXACT);
        assertThat(full.outLines().get(0)).isEqualTo("NOT EXACT");

        Cli.Run affected = Cli.run("verify", "--model", model, "--affected-only", "--quiet").ok();
        assertThat(affected.outLines().get(0)).isNotEqualTo("EXACT").isEqualTo("EXACT (affected only): rebuilt 2 "
                + "adapters retrained by updates; 4 others checked only against the sample-set digests in their files, "
                + "not rebuilt");
        assertThat(affected.out()).contains("run verify without --affected-only to prove the whole model exact");

        JsonNode j = Cli.run("verify", "--model", model, "--affected-only", "--json", "--quiet").ok().json();
        assertThat(j.get("result").asText()).isEqualTo("EXACT (affected only)");
        assertThat(j.get("exact").asBoolean()).as("not proven exact").isFalse();
        assertThat(j.get("checks_passed").asBoolean()).isTrue();
        assertThat(j.get("scope").asText()).isEqualTo("affected_only");
        assertThat(j.get("adapters_rebuilt").asInt()).isEqualTo(2);
        assertThat(j.get("adapters_not_rebuilt").asInt()).isEqualTo(ADAPTERS - 2);

        JsonNode fullJson = Cli.run("verify", "--model", model, "--json", "--quiet").json();
        assertThat(fullJson.get("result").asText()).isEqualTo("NOT EXACT");
        assertThat(fullJson.get("scope").asText()).isEqualTo("full");
        assertThat(fullJson.get("adapters_rebuilt").asInt()).isEqualTo(ADAPTERS);
    }
}
