// The Luhn (mod 10) check digit used by payment card numbers; it turns a random 16-digit
// id into a card-number candidate only one time in ten.

/** True when the digits (no separators) pass the Luhn check. */
export function passesLuhn(digits: string): boolean {
	let sum = 0;
	let double = false;
	for (let index = digits.length - 1; index >= 0; index--) {
		let digit = digits.charCodeAt(index) - 48;
		if (digit < 0 || digit > 9) return false;
		if (double) {
			digit *= 2;
			if (digit > 9) digit -= 9;
		}
		sum += digit;
		double = !double;
	}
	return sum % 10 === 0;
}
