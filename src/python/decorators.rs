//! What a decorator means to a documentation tool.

use super::model::DecoratorKind;

/// Classifies a decorator by its expression text (after `@`). Calls are judged
/// by what they call (`dataclass(frozen=True)` is a dataclass) and dotted names
/// by their last part (`abc.abstractmethod`), except for accessor decorators
/// (`x.setter`), whose first part is the property.
pub fn decorator_kind(text: &str) -> DecoratorKind {
    let callee = text.split('(').next().unwrap_or(text).trim();
    let callee: String = callee.chars().filter(|c| !c.is_whitespace()).collect();
    let last = callee.rsplit('.').next().unwrap_or(&callee);
    let qualified = callee.contains('.');
    match last {
        "setter" if qualified => DecoratorKind::Setter,
        "deleter" if qualified => DecoratorKind::Deleter,
        "getter" if qualified => DecoratorKind::Property,
        "property" | "cached_property" | "abstractproperty" => DecoratorKind::Property,
        "staticmethod" | "abstractstaticmethod" => DecoratorKind::StaticMethod,
        "classmethod" | "abstractclassmethod" => DecoratorKind::ClassMethod,
        "overload" => DecoratorKind::Overload,
        "abstractmethod" => DecoratorKind::AbstractMethod,
        "dataclass" | "define" | "frozen" | "mutable" | "attrs" => DecoratorKind::Dataclass,
        "s" if callee == "attr.s" => DecoratorKind::Dataclass,
        _ => DecoratorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_decorators() {
        let cases = [
            ("property", DecoratorKind::Property),
            ("functools.cached_property", DecoratorKind::Property),
            ("value.setter", DecoratorKind::Setter),
            ("value.deleter", DecoratorKind::Deleter),
            ("staticmethod", DecoratorKind::StaticMethod),
            ("classmethod", DecoratorKind::ClassMethod),
            ("typing.overload", DecoratorKind::Overload),
            ("abc.abstractmethod", DecoratorKind::AbstractMethod),
            ("dataclass", DecoratorKind::Dataclass),
            ("dataclasses.dataclass(frozen=True, slots=True)", DecoratorKind::Dataclass),
            ("attr.s(auto_attribs=True)", DecoratorKind::Dataclass),
            ("attrs.define", DecoratorKind::Dataclass),
            ("functools.lru_cache(maxsize=None)", DecoratorKind::Other),
            ("setter", DecoratorKind::Other),
            ("app.route('/x')", DecoratorKind::Other),
        ];
        for (text, kind) in cases {
            assert_eq!(decorator_kind(text), kind, "{text}");
        }
    }
}
