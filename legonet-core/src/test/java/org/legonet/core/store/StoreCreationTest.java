package org.legonet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;

/**
 * The steps of writing a new model directory that a cluster engine takes one by one
 * ({@link ModelStore#begin}, {@link ModelStore#writeNewChunk}, {@link ModelStore#rawFingerprint}):
 * the fingerprint read back from the chunks is the dataset's, and an unfinished creation leaves
 * nothing behind.
 */
class StoreCreationTest {
    @TempDir
    Path tmp;

    /** 2,500 samples of dimension 6, features quantised to 0..255 when {@code bytes}. */
    private static Dataset data(boolean bytes) {
        Dataset d = Synthetic.blobs(2500, 6, 3, 4, 77);
        if (!bytes) {
            return d;
        }
        float[] x = new float[d.size() * d.dim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(0, Math.min(255, Math.round(d.feature(i / d.dim(), i % d.dim()) * 30 + 128)));
        }
        return new Dataset("bytes", d.ids(), d.labels(), x, new int[] {2, 3});
    }

    /** Writes {@code d} as chunks of at most {@code chunkRows} rows (encodings and routes are zeros). */
    private static List<Manifest.ChunkEntry> writeChunks(Path staging, Dataset d, int chunkRows, boolean u8) {
        List<Manifest.ChunkEntry> out = new ArrayList<>();
        for (int from = 0, c = 0; from < d.size(); from += chunkRows, c++) {
            int n = Math.min(chunkRows, d.size() - from);
            long[] ids = new long[n];
            int[] labels = new int[n];
            float[] x = new float[n * d.dim()];
            for (int i = 0; i < n; i++) {
                ids[i] = d.id(from + i);
                labels[i] = d.label(from + i);
                d.copyRow(from + i, x, i * d.dim());
            }
            out.add(ModelStore.writeNewChunk(staging, c, ids, labels, x, d.dim(), u8, new int[n], 1, new float[2 * n], 2));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theFingerprintReadBackFromTheChunksIsTheDatasets(boolean u8) throws IOException {
        Dataset d = data(u8);
        Path dir = tmp.resolve("model");
        try (ModelStore.Creation creation = ModelStore.begin(dir, false)) {
            List<Manifest.ChunkEntry> chunks = writeChunks(creation.staging(), d, ModelStore.CHUNK_ROWS, u8);
            assertThat(chunks).extracting(Manifest.ChunkEntry::rows).containsExactly(1024, 1024, 452);
            assertThat(ModelStore.rawFingerprint(creation.staging(), chunks, d.dim(), d.sampleShape(), u8))
                    .isEqualTo(d.fingerprint());
            assertThat(ModelStore.rawFingerprint(creation.staging(), chunks.subList(0, 2), d.dim(), d.sampleShape(), u8))
                    .isEqualTo(d.slice(0, 2048, "first two chunks").fingerprint());
            List<Manifest.ChunkEntry> swapped = List.of(chunks.get(1), chunks.get(0), chunks.get(2));
            assertThat(ModelStore.rawFingerprint(creation.staging(), swapped, d.dim(), d.sampleShape(), u8))
                    .isNotEqualTo(d.fingerprint());
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("an unfinished creation leaves nothing").isEmpty();
        }
    }

    @Test
    void aFeatureThatIsNotAByteIsRefusedInAByteStore() {
        Dataset d = data(false);
        try (ModelStore.Creation creation = ModelStore.begin(tmp.resolve("model"), false)) {
            assertThatThrownBy(() -> writeChunks(creation.staging(), d.slice(0, 10, "ten"), 10, true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an integer in 0..255");
        }
    }
}
