package org.legonet.spark;

import java.io.Serializable;

/**
 * A private sample after the executor encoded and routed it: what the store keeps of it (raw
 * features for verify, the cached encoding and route for retraining).
 *
 * @param id       the sample's id
 * @param label    its class
 * @param features its raw features
 * @param encoding its encoding by the frozen encoder
 * @param route    the k adapters it activates, ascending
 */
record EncodedSample(long id, int label, float[] features, float[] encoding, int[] route) implements Serializable {
    private static final long serialVersionUID = 1L;
}
