import { describeStackFacts } from "./stack-facts";
import { describeGraph, describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("prod");
describeStackRules("prod");
describeStateKept("prod");
describeGraph("prod");
