; `self.x = ...` and `self.x: T = ...` in a method body, also in tuple targets
; (`self.a, self.b = ...`). Nested functions, classes and lambdas are captured so
; that what they assign is not counted.

(assignment
  left: (attribute
    object: (identifier) @receiver
    attribute: (identifier) @name) @target) @assignment

(assignment
  left: (pattern_list
    (attribute
      object: (identifier) @receiver
      attribute: (identifier) @name) @target)) @assignment

(function_definition) @scope
(class_definition) @scope
(lambda) @scope
