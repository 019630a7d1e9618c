package org.legonet.core.model;

import org.legonet.core.ModelConfig;
import org.legonet.core.DataFit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The defaults fitted to the data's shape, and the advice on samples per adapter. */
class DataFitTest {
    @Test
    void theDefaultEncoderIsKeptWhenTheDataAllowsIt() {
        DataFit.EncoderChoice c = DataFit.defaultEncoder(784, 10_000);
        assertThat(c.encoder()).isEqualTo(ModelConfig.DEFAULT_ENCODER);
        assertThat(c.notice()).isEmpty();
        assertThat(DataFit.defaultEncoder(96, 97).notice()).isEmpty();
    }

    @Test
    void theDefaultEncoderIsCappedToTheFeaturesAndToThePublicSamplesLessOne() {
        DataFit.EncoderChoice narrow = DataFit.defaultEncoder(64, 250);
        assertThat(narrow.encoder()).isEqualTo("pca:64");
        assertThat(narrow.notice()).get().extracting(DataFit.Notice::kind).isEqualTo(DataFit.Notice.Kind.ENCODER_CAPPED);
        assertThat(narrow.notice().get().message()).contains("pca:96", "64 features");
        assertThat(DataFit.defaultEncoder(784, 50).encoder()).isEqualTo("pca:49");
        assertThat(DataFit.defaultEncoder(64, 50).encoder()).isEqualTo("pca:49");
        assertThat(DataFit.defaultEncoder(64, 50).notice().get().message()).contains("50 samples");
        assertThat(DataFit.defaultEncoder(3, 1).encoder()).isEqualTo("pca:1");
    }

    @Test
    void fewSamplesPerAdapterAreWarnedAboutWithTheLargestNThatGivesEnough() {
        ModelConfig d = ModelConfig.defaults(); // n = 100, k = 4
        assertThat(DataFit.expectedSamplesPerAdapter(d, 1248)).isEqualTo(49.92);
        assertThat(DataFit.suggestedAdapters(d, 1248)).isEqualTo(9);
        assertThat(DataFit.adapterShare(d, 1248)).get().extracting(DataFit.Notice::kind)
                .isEqualTo(DataFit.Notice.Kind.FEW_SAMPLES_PER_ADAPTER);
        assertThat(DataFit.adapterShare(d, 1248).get().message()).contains("1,248 private samples", "about 50 samples",
                "9 adapters would give about 555 each");
        assertThat(DataFit.adapterShare(d, 12_500)).as("exactly 500 each").isEmpty();
        assertThat(DataFit.adapterShare(d, 50_000)).isEmpty();
    }

    @Test
    void noWarningWhenFewerAdaptersCannotHelp() {
        ModelConfig kAdapters = ModelConfig.defaults().withShape(4, 4);
        assertThat(DataFit.suggestedAdapters(kAdapters, 100)).isEqualTo(4);
        assertThat(DataFit.adapterShare(kAdapters, 100)).isEmpty();
        ModelConfig d = ModelConfig.defaults();
        assertThat(DataFit.suggestedAdapters(d, 100)).as("at least k").isEqualTo(4);
        assertThat(DataFit.adapterShare(d, 100).get().message()).contains("4 adapters would give about 100 each");
    }
}
