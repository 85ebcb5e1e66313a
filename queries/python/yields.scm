; `yield` and `yield from` inside one statement's expressions. A yield inside a
; lambda makes the lambda a generator, not the enclosing function, so lambdas are
; captured too and their ranges excluded.

(yield) @yield
(lambda) @lambda
