package org.legonet.core;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a model is and holds, as {@code info} shows it.
 *
 * @param dir                 the model directory, or {@code null} for a model held only in memory
 * @param digest              the model digest (encoder, keys and every adapter)
 * @param generation          the directory's generation (0 at training, one more per committed
 *                            update), or -1 in memory
 * @param created             when the model was trained (ISO-8601), or {@code null} in memory
 * @param updated             when its last update was committed, or {@code null} in memory
 * @param legonetVersion      the LegoNet version that wrote the directory
 * @param config              the model configuration
 * @param classes             size of the label set
 * @param encoder             the encoder specification
 * @param inputDim            features per sample
 * @param encodingDim         values per encoding
 * @param dataset             the training data, in words
 * @param dataSpec            how to read the training data again, or {@code null}
 * @param sampleShape         the layout of one sample, or {@code null}
 * @param samplesEverHeld     private samples trained on or added since, forgotten ones included
 * @param retained            private samples held now
 * @param updates             updates committed (forgets and adds)
 * @param samplesForgotten    samples forgotten in all
 * @param samplesAdded        samples added since training
 * @param emptyAdapters       adapters holding no sample (they do not vote)
 * @param adapterSizes        the adapters' sample counts
 * @param expectedRemovalCost samples retrained by a random single removal on average:
 *                            sum_j |D_j|^2 / N
 * @param idealRemovalCost    the same for perfectly balanced adapters: k^2 N / n
 * @param training            figures of the training run, as recorded
 */
public record ModelInfo(Path dir, String digest, long generation, String created, String updated,
                        String legonetVersion, ModelConfig config, int classes, String encoder, int inputDim,
                        int encodingDim, String dataset, Map<String, Object> dataSpec, int[] sampleShape,
                        int samplesEverHeld, int retained, int updates, long samplesForgotten, long samplesAdded,
                        int emptyAdapters, AdapterSizes adapterSizes, double expectedRemovalCost,
                        double idealRemovalCost, Map<String, Object> training) {

    /**
     * The smallest, mean and largest adapter sample counts.
     *
     * @param min  smallest
     * @param mean mean, one decimal
     * @param max  largest
     */
    public record AdapterSizes(int min, double mean, int max) {
    }

    /**
     * How far the adapters' sizes have drifted from balance: the expected removal cost over its
     * balanced ideal (1.0 when every adapter holds k N / n samples). Keys stay frozen when samples
     * are added, so additions that cluster in one region raise it; a full retrain, which may fit
     * the keys again, brings it back.
     */
    public double balanceRatio() {
        return idealRemovalCost == 0 ? 1.0 : expectedRemovalCost / idealRemovalCost;
    }
}
