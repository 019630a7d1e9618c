/**
 * The privacy audit: membership attacks on a LegoNet model (loss threshold, offline LiRA with
 * shadow LegoNets) and the before/after attack on a deletion, with route-hiding cover; figures as
 * JSON, Markdown and an ROC plot (docs/privacy.md). Reads models, trains only shadow adapters in
 * memory, and writes nothing to a model directory.
 */
package org.legonet.bench.privacy;
