import { describeStackFacts } from "./stack-facts";
import { describeStackRules } from "./stack-rules";

describeStackFacts("prod");
describeStackRules("prod");
