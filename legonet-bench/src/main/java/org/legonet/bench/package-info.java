/**
 * The benchmark behind {@code legonet bench}: the tasks and metrics of docs/benchmark-protocol.md (Train, Single,
 * Random100, UnClass; accuracy before and after, samples and parameters retrained, GFLOP/s against
 * the machine's FMA peak, verify after every forget) for a grid of LegoNet settings and the
 * single-adapter and retrain-all baselines, in one run, written as JSON and Markdown.
 */
package org.legonet.bench;
