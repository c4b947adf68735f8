import { ID_TYPES, ID_TYPE_LABELS, type IdType } from '../../../shared/domain/identity';
import { field, h } from '../dom';

/** 证件类型 + 证件号码, as login and registration ask for them. */
export function idFields(prefix: string) {
  const idType = h(
    'select',
    { id: `${prefix}-idType`, name: 'idType', autocomplete: 'off' },
    ID_TYPES.map((type) => h('option', { value: type }, ID_TYPE_LABELS[type])),
  );
  const idNumber = h('input', {
    id: `${prefix}-idNumber`,
    name: 'idNumber',
    type: 'text',
    autocomplete: 'username',
    autocapitalize: 'characters',
    spellcheck: 'false',
    maxlength: '64',
  });
  const typeField = field({ label: '证件类型', control: idType });
  const numberField = field({ label: '证件号码', control: idNumber, hint: '居民身份证号码为18位，最后一位可为X' });
  return {
    idType,
    idNumber,
    typeField,
    numberField,
    value: () => ({ idType: idType.value as IdType, idNumber: idNumber.value.trim() }),
    /** The values when a number is entered; otherwise the field says so, takes focus, and the answer is undefined. */
    required: () => {
      if (idNumber.value.trim()) return { idType: idType.value as IdType, idNumber: idNumber.value.trim() };
      numberField.setError('请输入证件号码');
      idNumber.focus();
      return undefined;
    },
  };
}
