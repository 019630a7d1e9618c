package org.legonet.spark;

import java.io.Serializable;

/**
 * One private sample as Spark carries it: its id, its label and its raw features (as many as the
 * encoder takes). The id is what a later forget names; ids must be unique across the data set.
 *
 * @param id       the sample's id
 * @param label    its class, in the model's label set
 * @param features its raw features (not copied)
 */
public record Sample(long id, int label, float[] features) implements Serializable {
    private static final long serialVersionUID = 1L;
}
