package org.legonet.core;

/**
 * Accuracy of a model on a set of samples, overall and per class.
 *
 * @param samples         samples evaluated
 * @param correct         samples predicted right
 * @param perClassSamples samples of each class
 * @param perClassCorrect right predictions per class
 */
public record Accuracy(int samples, int correct, int[] perClassSamples, int[] perClassCorrect) {
    /** Correct over samples; NaN for an empty set. */
    public double accuracy() {
        return samples == 0 ? Double.NaN : (double) correct / samples;
    }

    /** Accuracy of class {@code c}; NaN when the set has none of it. */
    public double accuracy(int c) {
        return perClassSamples[c] == 0 ? Double.NaN : (double) perClassCorrect[c] / perClassSamples[c];
    }
}
