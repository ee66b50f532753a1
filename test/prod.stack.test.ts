import { describeStackFacts } from "./stack-facts";
import { describeGraph, describePolicies, describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("prod-2022");
describeStackRules("prod-2022");
describeStateKept("prod-2022");
describeGraph("prod-2022");
describePolicies("prod-2022");
