package org.legonet.core.store;

import org.legonet.core.testing.Golden;
import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.ChangeRecord;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.VerifyReport;
import org.legonet.core.Progress;

/**
 * The golden model directory (made once by {@link GoldenModel}, committed under the test
 * resources): this version opens it, verifies it EXACT by a full rebuild from its raw samples, and
 * forgets from it to the digest recorded when it was made, still EXACT. A later version keeps this
 * passing, or, once it stops reading format version {@value GoldenModel#VERSION}, changes this test to
 * expect the refusal with a clear format error (and adds a golden directory of its own version).
 */
class GoldenModelTest {
    @TempDir
    Path tmp;

    private Path copy() throws IOException {
        return copy(GoldenModel.DIR);
    }

    private Path copy(String golden) throws IOException {
        return copy(golden, tmp);
    }

    /** A copy of the golden directory {@code golden} under {@code tmp}. */
    static Path copy(String golden, Path tmp) throws IOException {
        return Golden.copy(golden, tmp.resolve(golden.replace('/', '-')));
    }

    @Test
    void theGoldenModelOpensVerifiesExactAndForgetsToTheRecordedDigest() throws Exception {
        Path dir = copy();
        JsonNode expected = Manifest.JSON.readTree(
                GoldenModelTest.class.getResourceAsStream("/" + GoldenModel.EXPECTED));
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.manifest().formatVersion()).isEqualTo(GoldenModel.VERSION);
            assertThat(s.manifest().generation()).isEqualTo(1);
            assertThat(s.deletions()).hasSize(1);
            for (long id : GoldenModel.FORGOTTEN) {
                assertThat(s.wasForgotten(id)).isTrue();
                assertThat(s.data().rowOf(id)).isNegative();
            }
            VerifyReport v = new Verifier(1, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as(v.toString()).isTrue();
            assertThat(v.samples()).isEqualTo(398);
        }
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            String after = new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(GoldenModel.TO_FORGET))
                    .digestAfter();
            assertThat(after).isEqualTo(expected.get("digest_after_forget").asText());
            VerifyReport v = new Verifier(1, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as(v.toString()).isTrue();
            assertThat(v.samples()).isEqualTo(395);
            // its first commit under this version writes the current format version, saying its hashes are unkeyed
            assertThat(s.manifest().formatVersion()).isEqualTo(Manifest.VERSION);
            assertThat(s.manifest().deletions().idHash()).isEqualTo(Manifest.UNKEYED);
            assertThat(s.manifest().deletions().keyCheck()).isNull();
            assertThat(s.keyedIdHashes()).isFalse();
        }
    }

    @Test
    void theGoldenModelGrowsByInsertionAndKeepsItsVersion2LogReadable() throws Exception {
        Path dir = copy();
        Dataset fresh = Synthetic.blobs(6, 12, 3, 7, 1_000_001);
        String digest;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            var r = new Unlearner(s, 1, Progress.NONE).update(Edit.add(fresh));
            assertThat(r.committed().seq()).isEqualTo(2);
            assertThat(r.committed().added()).isEqualTo(6);
            digest = s.model().digest();
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.manifest().formatVersion()).isEqualTo(Manifest.VERSION);
            assertThat(s.model().digest()).isEqualTo(digest);
            // the version-2 line has no added count (read as 0), the version-3 line has one
            assertThat(s.deletions()).extracting(ChangeRecord::added).containsExactly(null, 6);
            assertThat(s.deletions()).extracting(ChangeRecord::addedCount).containsExactly(0, 6);
            assertThat(s.manifest().privateData().rows()).isEqualTo(406);
            assertThat(s.manifest().privateData().retained()).isEqualTo(404);
            VerifyReport v = new Verifier(1, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as(v.toString()).isTrue();
            assertThat(v.samples()).isEqualTo(404);
        }
    }

    @Test
    void theVersion3GoldenModelOpensVerifiesExactAndChangesToTheRecordedDigest() throws Exception {
        Path dir = copy(GoldenModel.DIR_V3);
        JsonNode expected = Manifest.JSON.readTree(
                GoldenModelTest.class.getResourceAsStream("/" + GoldenModel.EXPECTED_V3));
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.manifest().formatVersion()).isEqualTo(GoldenModel.VERSION_V3);
            assertThat(s.manifest().generation()).isEqualTo(2);
            assertThat(s.deletions()).extracting(ChangeRecord::kind).containsExactly("ids", "add");
            for (long id : GoldenModel.FORGOTTEN) {
                assertThat(s.wasForgotten(id)).isTrue();
            }
            Dataset added = GoldenModel.added();
            assertThat(s.data().rowOf(added.id(3))).isEqualTo(398 + 3);
            VerifyReport v = new Verifier(1, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as(v.toString()).isTrue();
            assertThat(v.samples()).isEqualTo(406);
        }
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            String after = new Unlearner(s, 1, Progress.NONE).update(new Edit(GoldenModel.toAdd(),
                    ForgetRequest.ofIds(GoldenModel.TO_FORGET), false)).digestAfter();
            assertThat(after).isEqualTo(expected.get("digest_after_change").asText());
            VerifyReport v = new Verifier(1, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as(v.toString()).isTrue();
            assertThat(v.samples()).isEqualTo(408);
        }
    }
}
