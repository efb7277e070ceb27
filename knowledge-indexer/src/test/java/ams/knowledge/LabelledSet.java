package ams.knowledge;

import java.util.List;

/**
 * A small labelled retrieval set: documents and queries with the one relevant document each. Half
 * the queries paraphrase their document without sharing its words (embeddings should win), half
 * name an exact identifier that several similar documents differ by (BM25 should win).
 */
public final class LabelledSet {

    public record Doc(String id, String title, String content) {}

    public record Query(String text, String relevantId) {}

    public static final List<Doc> DOCUMENTS =
            List.of(
                    new Doc(
                            "cats",
                            "Feline care",
                            "Cats are obligate carnivores; their food must contain taurine and animal protein."),
                    new Doc(
                            "sleep",
                            "Rest",
                            "Adults need seven to nine hours of slumber each night to stay healthy."),
                    new Doc(
                            "rain",
                            "Weather",
                            "Precipitation is expected tomorrow afternoon, so carry an umbrella outdoors."),
                    new Doc(
                            "bike",
                            "Cycling",
                            "Keep bicycle tyres inflated and lubricate the chain every few hundred kilometres."),
                    new Doc(
                            "bread",
                            "Baking",
                            "Knead the dough, let it rise for an hour, then bake the loaf in a hot oven."),
                    new Doc(
                            "e4471",
                            "Fault report",
                            "Fault E-4471: the controller detected a device fault."),
                    new Doc(
                            "e4472",
                            "Fault report",
                            "Fault E-4472: the controller detected a device fault."),
                    new Doc(
                            "e4473",
                            "Fault report",
                            "Fault E-4473: the controller detected a device fault."),
                    new Doc(
                            "e4474",
                            "Fault report",
                            "Fault E-4474: the controller detected a device fault."),
                    new Doc(
                            "e4475",
                            "Fault report",
                            "Fault E-4475: the controller detected a device fault."));

    public static final List<Query> QUERIES =
            List.of(
                    new Query("what should I give my kitty to eat", "cats"),
                    new Query("how long ought a grown-up snooze", "sleep"),
                    new Query("will it be wet outside", "rain"),
                    new Query("looking after my two-wheeler", "bike"),
                    new Query("making homemade sourdough", "bread"),
                    new Query("what to do about E-4472", "e4472"),
                    new Query("meaning of E-4473", "e4473"),
                    new Query("E-4474", "e4474"),
                    new Query("I saw E-4475", "e4475"),
                    new Query("explain E-4471", "e4471"));

    private LabelledSet() {}
}
