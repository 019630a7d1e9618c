package org.legonet.bench.privacy;

import org.legonet.core.testing.Golden;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.DataSource;
import org.legonet.core.LegoNet;
import org.legonet.core.Progress;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;

/**
 * The audit's attacker who holds the model directory and not its id key: a keyed log resists
 * hashing the id space, an unkeyed one (the golden version-3 directory) gives every forgotten id
 * away, and with row-number ids the ids missing from the data chunks are the forgotten ones.
 */
class DirectoryExposureTest {
    private static final int PUBLIC = 300;

    @Test
    void aKeyedDirectoryResistsTheBruteForceButItsGapsAreTheForgottenRowNumbers(@TempDir Path tmp) {
        // row-number ids: public 0..299, private 300..659, test 0..299 (its own file)
        Dataset pub = PrivacyAuditTest.noise("public", PUBLIC, 12, 2, 1, 0);
        Dataset priv = PrivacyAuditTest.noise("private", 360, 12, 2, 2, PUBLIC);
        Dataset test = PrivacyAuditTest.noise("test", 300, 12, 2, 3, 0);
        Path dir = tmp.resolve("m");
        DataSource source = new DataSource("noise", null, Map.of("data", tmp.resolve("noise.csv").toString(),
                "public", PUBLIC), PUBLIC + priv.size());
        LegoNet.Options options;
        try (LegoNet trained = LegoNet.train(PrivacyAuditTest.memorizing().withTraining(
                        Optimizer.ADAM, 2, 8, 0.01f, false, 0.9f, 0f), pub, priv,
                new LegoNet.Options(2, Progress.NONE), source)) {
            trained.save(dir);
            options = new LegoNet.Options(2, Progress.NONE).withIdKey(trained.idKey());
        }
        long[] gone = LongStream.of(priv.ids()).filter(id -> id % 7 == 0).toArray();
        try (LegoNet net = LegoNet.openForUpdate(dir, options)) {
            LegoNet after = net.forget(gone).commit();
            PrivacyResults.Run run = new PrivacyAudit(PrivacyAudit.Options.defaults().withShadows(2).withTrials(0)
                    .withMaxPerSet(100).withThreads(2), Progress.NONE).run(after, priv, test, gone.length);
            PrivacyResults.BruteForce bf = run.exposure().bruteForce();
            assertThat(bf.idHash()).isEqualTo("hmac-sha256");
            assertThat(bf.logHashes()).isEqualTo(gone.length);
            assertThat(bf.forgotten()).isEqualTo(gone.length);
            assertThat(bf.rangeEnd()).isEqualTo(PUBLIC + priv.size() - 1);
            assertThat(bf.idsHashed()).isEqualTo(PUBLIC + priv.size());
            assertThat(bf.hashesMatched()).isZero();
            assertThat(bf.forgottenRecovered()).isZero();

            PrivacyResults.Gaps g = run.exposure().gaps();
            assertThat(g.applicable()).isTrue();
            assertThat(g.from()).isEqualTo(PUBLIC);
            assertThat(g.to()).isEqualTo(PUBLIC + priv.size());
            assertThat(g.missing()).isEqualTo(gone.length);
            assertThat(g.forgottenRecovered()).isEqualTo(gone.length);
            assertThat(g.falseIds()).isZero();

            String console = PrivacyReport.console(run);
            assertThat(console).contains("brute force")
                    .contains(String.format("0 / %d", gone.length))
                    .contains(String.format("%d / %d", gone.length, gone.length))
                    .contains("needs the id key");
            assertThat(PrivacyReport.markdown(run, null)).contains("## What the directory alone gives away")
                    .contains("| gaps | " + gone.length + " / " + gone.length + " | 0 |");
        }
    }

    @Test
    void theGoldenUnkeyedDirectoryGivesEveryForgottenIdAway(@TempDir Path tmp) throws Exception {
        Path dir = Golden.copy(Golden.V3, tmp.resolve("golden"));
        // the golden generator's data: 500 blobs with ids 1000, 1001, ...; it forgot 1450 and 1453
        Dataset all = Synthetic.blobs(500, 12, 3, 2024, 1000);
        long[] forgotten = {1450, 1453};
        try (LegoNet net = LegoNet.open(dir, new LegoNet.Options(2, Progress.NONE))) {
            assertThat(net.keyedIdHashes()).isFalse();
            List<String> notes = new ArrayList<>();
            PrivacyResults.Exposure e = DirectoryExposure.attack(net, all.ids(), forgotten, notes);
            PrivacyResults.BruteForce bf = e.bruteForce();
            assertThat(bf.idHash()).isEqualTo("sha256");
            assertThat(bf.logHashes()).isEqualTo(2);
            assertThat(bf.hashesMatched()).isEqualTo(2);
            assertThat(bf.forgottenRecovered()).isEqualTo(2);
            assertThat(bf.rangeCapped()).isFalse();
            assertThat(notes).isEmpty();
            // its manifest records no data spec: nobody can tell ids are row numbers
            assertThat(e.gaps().applicable()).isFalse();
            assertThat(e.gaps().basis()).contains("no data spec");
        }
    }

    @Test
    void gapsNeedRowNumberIds() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var idColumn = json.readTree("{\"public_rows\": 2, \"train_rows\": 6, \"spec\": {\"data\": \"d.csv\", "
                + "\"id_column\": \"id\"}}");
        assertThat(DirectoryExposure.gaps(idColumn, new long[] {2, 3}, Set.of(4L)).basis())
                .isEqualTo("ids come from an id column; not applicable (an attacker would need the id list)");
        // row numbers: 2..5 were private; 3 is held, 4 was forgotten, 2 and 5 are gone otherwise (false)
        var rows = json.readTree("{\"public_rows\": 2, \"train_rows\": 6, \"spec\": {\"data\": \"d.csv\"}}");
        PrivacyResults.Gaps g = DirectoryExposure.gaps(rows, new long[] {0, 3, 9}, Set.of(4L));
        assertThat(Arrays.asList(g.missing(), g.forgottenRecovered(), g.falseIds())).containsExactly(3, 1, 2);
    }
}
