import { describeStackFacts } from "./stack-facts";
import { describeGraph, describePolicies, describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("prod");
describeStackRules("prod");
describeStateKept("prod");
describeGraph("prod");
describePolicies("prod");
